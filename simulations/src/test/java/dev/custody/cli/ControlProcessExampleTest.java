package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The embedding example in examples/ compiles against the API and does what it says. */
class ControlProcessExampleTest {

    @Test
    void assignsTheGroupAndGivesItBack() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path example = Path.of("..", "examples", "control-process", "AssignGroupToVm.java");
        Process process = new ProcessBuilder(List.of(
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "--sun-misc-unsafe-memory-access=allow",
                        "-cp",
                        classPath,
                        example.toString()))
                .redirectErrorStream(true)
                .start();
        boolean finished = process.waitFor(120, TimeUnit.SECONDS);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(finished, "the example did not finish within 120 s (waited for the process to exit):\n" + output);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("VM running: group 1 owner=vm1-group1 owner_cnt=1 domain=vm1"), output);
        assertTrue(output.contains("while the VM runs: EBUSY"), output);
        assertTrue(output.contains("VM gone: group 1 owner=(kernel) owner_cnt=2 domain=default"), output);
    }
}
