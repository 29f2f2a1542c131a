package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * java-init, the guest's /init for JVM runs, compiles as the oracle compiles it (static, every warning
 * an error); it only runs as PID 1 of a VM, which the oracle-vm tests boot.
 */
class JavaInitSourceTest {
    @TempDir
    Path dir;

    @Test
    void compilesStaticallyWithoutWarnings() {
        assertTrue(
                VirtualMachine.locate("gcc").isPresent(),
                "gcc is not installed (Debian's gcc; ./test installs it when run as root)");
        Path source = OracleFiles.unpackInto(dir.resolve("files")).resolve(OracleFiles.INIT_SOURCE);
        Path binary = dir.resolve("java-init");
        List<String> command = new java.util.ArrayList<>(List.of("gcc"));
        command.addAll(AgentBinary.FLAGS);
        command.addAll(List.of("-o", binary.toString(), source.toString()));
        Commands.check(command, null, Duration.ofMinutes(2));
        assertTrue(Files.isExecutable(binary));
    }
}
