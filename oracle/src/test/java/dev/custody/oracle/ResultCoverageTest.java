package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ResultCoverageTest {
    private static FileComparison ran(StepOutcome... outcomes) {
        return new FileComparison(
                "f.json",
                "k",
                outcomes.length,
                outcomes.length,
                List.of(),
                List.of(),
                Optional.empty(),
                false,
                List.of(outcomes));
    }

    @Test
    void countsEachSideAndNamesPairsTheKernelNeverGave() {
        ResultCoverage coverage = new ResultCoverage();
        coverage.add(ran(
                new StepOutcome("driver.bind", "ok", "ok"),
                new StepOutcome("driver.bind", "EBUSY", "EBUSY"),
                new StepOutcome("driver.bind", "ok", "ok")));
        coverage.add(ran(new StepOutcome("vfio.group.open", "EBUSY", "ok")));

        List<String> table = coverage.markdown();

        assertTrue(table.contains("| `driver.bind` | ok | 2 | 2 |"), String.join("\n", table));
        assertTrue(table.contains("| `driver.bind` | EBUSY | 1 | 1 |"), String.join("\n", table));
        assertTrue(table.contains("| `vfio.group.open` | ok | 1 | 0 |"), String.join("\n", table));
        assertTrue(table.contains("| `vfio.group.open` | EBUSY | never seen | 1 |"), String.join("\n", table));
        // "ok" comes before the errnos of its operation
        assertTrue(
                table.indexOf("| `driver.bind` | ok | 2 | 2 |") < table.indexOf("| `driver.bind` | EBUSY | 1 | 1 |"));
        assertEquals(3, coverage.seenFromKernel());
        assertEquals(1, coverage.engineOnly());
    }

    @Test
    void listsCatalogueOperationsNoStepUsed() {
        ResultCoverage coverage = new ResultCoverage();
        coverage.add(ran(new StepOutcome("driver.bind", "ok", "ok")));

        List<String> table = coverage.markdown();

        assertTrue(table.contains("| `iommufd.open` | no step | never seen | 0 |"), String.join("\n", table));
    }
}
