package dev.custody.oracle.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.oracle.FileComparison;
import dev.custody.oracle.ScenarioFiles;
import dev.custody.oracle.vm.IommufdKernel;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.oracle.vm.VirtualMachine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code custody oracle live} on the iommufd kernel: recorded scenarios sent step by step to the live
 * engine in the oracle's VM, every step carried out agreeing with the model and no drift. The files
 * share one machine, so they run in one boot, each on an engine of its own; one in-kernel file is not
 * live-realisable and says why.
 *
 * <p>Tagged {@code oracle-vm}: not part of {@code ./test}; {@code scripts/oracle-ci.sh} runs it once
 * QEMU is installed and the iommufd kernel built.
 */
@Tag("oracle-vm")
class LiveScenariosInGuestTest {
    /** Boot, the JVM and Pekko under TCG (about a minute), then each file's engine and steps. */
    private static final Duration TIMEOUT_PER_FILE = Duration.ofMinutes(4);

    private static final String SCENARIOS = "../engine/src/test/resources/scenarios/";

    private static final List<String> LIVE = List.of(
            "vfio-set-unset-container.json", "vfio-group-open-status.json", "iommufd-attach-replace-detach.json");

    private static final String IN_KERNEL = "driver-core-bind-unbind.json";

    @Test
    void recordedScenariosRunThroughTheLiveEngineWithoutDrift() throws Exception {
        assertTrue(
                VirtualMachine.locate(VirtualMachine.QEMU).isPresent(),
                "qemu-system-x86_64 is not installed (scripts/oracle-ci.sh installs it)");
        Path home = OracleFiles.unpacked();
        Optional<Kernel> kernel = IommufdKernel.standard(home).ifBuilt();
        assertTrue(kernel.isPresent(), "the iommufd kernel is not built (scripts/oracle-ci.sh builds it first)");
        List<LiveOracle.File> files = new ArrayList<>();
        for (String name : concat(LIVE, IN_KERNEL)) {
            Path path = Path.of(SCENARIOS + name);
            files.add(new LiveOracle.File(ScenarioFiles.parse(path), Files.readString(path)));
        }

        List<LiveFileRun> runs = new ArrayList<>();
        new LiveOracle(home, kernel::get, TIMEOUT_PER_FILE).run(files, runs::add);

        assertEquals(files.size(), runs.size());
        for (LiveFileRun run : runs) {
            FileComparison c = run.comparison();
            if (c.file().endsWith(IN_KERNEL)) {
                assertTrue(c.skipped().orElse("").contains("in-kernel calls"), c.toString());
                continue;
            }
            assertTrue(c.agrees(), c.toString());
            assertTrue(c.compared() > 0, c.file() + ": nothing was carried out: " + run.steps());
            assertEquals(c.compared(), c.agreeing(), c.toString());
            assertEquals(List.of(), run.drifts(), c.file());
            System.out.println("live: " + c.file() + ": " + c.agreeing() + "/" + c.compared()
                    + " steps carried out agree, " + run.modelOnly() + " answered by the model alone");
        }
    }

    private static List<String> concat(List<String> names, String last) {
        List<String> all = new ArrayList<>(names);
        all.add(last);
        return all;
    }
}
