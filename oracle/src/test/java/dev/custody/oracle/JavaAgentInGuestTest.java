package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.oracle.vm.IommufdKernel;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.oracle.vm.VirtualMachine;
import dev.custody.scenario.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Java host agent answers every step as the C agent does, on the real kernel: the same
 * scenarios run with each agent in the iommufd VM and their parsed answers must be equal. The
 * scenarios cover a blocked unbind (PENDING and its completion), cdevs and iommufd, and the test
 * module's in-kernel calls.
 *
 * <p>Tagged {@code oracle-vm}: not part of {@code ./test}; {@code scripts/oracle-ci.sh} runs it once
 * it has installed QEMU and built the iommufd kernel (this test never builds it).
 */
@Tag("oracle-vm")
class JavaAgentInGuestTest {
    /** Boot, the guest JVM under TCG (interpreter only) and the steps, with room for a loaded machine. */
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private static final List<String> SCENARIOS = List.of(
            "../examples/vfio-pci-unbind-waits-for-userspace.json",
            "../examples/iommufd-cdev-bind-attach-replace.json",
            "../engine/src/test/resources/scenarios/driver-core-fail-next-probe.json");

    @Test
    void bothAgentsAnswerEveryStepAlike() throws Exception {
        assertTrue(
                VirtualMachine.locate(VirtualMachine.QEMU).isPresent(),
                "qemu-system-x86_64 is not installed (Debian's qemu-system-x86; scripts/oracle-ci.sh installs it)");
        Path home = OracleFiles.unpacked();
        assertTrue(
                IommufdKernel.standard(home).ifBuilt().isPresent(),
                "the iommufd kernel is not built (scripts/oracle-ci.sh builds it before it runs this test)");
        Oracle c = new Oracle(home, TIMEOUT, Oracle.IOMMUFD, message -> {}).withAgent("c");
        Oracle java = new Oracle(home, TIMEOUT, Oracle.IOMMUFD, message -> {}).withAgent("java");
        for (String file : SCENARIOS) {
            Path path = Path.of(file);
            assertTrue(Files.isRegularFile(path), file + " is missing");
            Scenario scenario = ScenarioFiles.parse(path);
            KernelRun fromC = c.run(scenario);
            KernelRun fromJava = java.run(scenario);
            assertTrue(fromC.usable(), file + " with the C agent: " + fromC.failure());
            assertTrue(fromJava.usable(), file + " with the Java agent: " + fromJava.failure());
            assertEquals(fromC.answers(), fromJava.answers(), file + ": the agents answered differently");
        }
    }
}
