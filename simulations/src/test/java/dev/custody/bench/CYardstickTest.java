package dev.custody.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The yardstick's output format; the yardstick itself runs only under {@code custody bench}. */
class CYardstickTest {

    @Test
    void readsBenchLinesAndIgnoresTheRest() {
        Map<String, Double> parsed = CYardstick.parse("""
                warming up
                bench map_unmap_4k 31.106
                bench   map_unmap_256x4k 6434.396
                """);
        assertEquals(Map.of("map_unmap_4k", 31.106, "map_unmap_256x4k", 6434.396), parsed);
    }

    @Test
    void rejectsMalformedBenchLines() {
        assertThrows(IllegalArgumentException.class, () -> CYardstick.parse("bench map_unmap_4k"));
        assertThrows(IllegalArgumentException.class, () -> CYardstick.parse("bench map_unmap_4k fast"));
        assertThrows(IllegalArgumentException.class, () -> CYardstick.parse("bench map_unmap_4k -1"));
        assertThrows(IllegalArgumentException.class, () -> CYardstick.parse("bench map_unmap_4k NaN"));
    }

    @Test
    void theSourceShipsWithTheBenchmarksAndNamesEveryBenchmark() throws IOException {
        try (InputStream in = CYardstick.class.getResourceAsStream(CYardstick.SOURCE)) {
            assertNotNull(in);
            String source = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            for (String name : BenchReport.PAGES_PER_OP.keySet()) {
                assertEquals(true, source.contains("{\"" + name + "\","), name + " in the C benchmark table");
            }
        }
    }

    @Test
    void reportComputesTheRatioAndLeavesAMissingSideEmpty() {
        BenchReport report = BenchReport.of(
                Map.of("map_unmap_4k", new JmhBenchmarks.Score(40, 1)),
                Map.of("map_unmap_4k", 32.0),
                BenchSettings.QUICK);
        BenchReport.Row row = report.rows().getFirst();
        assertEquals(1.25, row.ratio(), 1e-9);
        @SuppressWarnings("unchecked")
        var rows = (java.util.List<Map<String, Object>>) report.toJson().get("benchmarks");
        assertEquals(null, rows.get(1).get("c_ns_per_op"));
    }
}
