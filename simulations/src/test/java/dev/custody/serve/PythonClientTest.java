package dev.custody.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Python client (clients/python) against a real {@code custody serve} in its own JVM: its unit
 * tests and its example run, then SIGTERM stops the server, which removes its socket.
 */
class PythonClientTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    @Timeout(300)
    void thePythonClientsTestsPassAgainstARealServer() throws Exception {
        Path directory = Files.createTempDirectory("custody-python");
        Path socket = directory.resolve("custody.sock");
        Path serverLog = directory.resolve("serve.log");
        Process server = new ProcessBuilder(
                        java(),
                        "--enable-native-access=ALL-UNNAMED",
                        "--sun-misc-unsafe-memory-access=allow",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.custody.cli.CustodyCli",
                        "serve",
                        "--socket",
                        socket.toString(),
                        "--journal",
                        "memory",
                        "--topology",
                        ROOT.resolve("examples/vfio-passthrough-whole-group.json")
                                .toString())
                .redirectErrorStream(true)
                .redirectOutput(serverLog.toFile())
                .start();
        try {
            awaitReady(server, serverLog);
            ProcessBuilder tests = new ProcessBuilder("python3", "-m", "unittest", "-v", "test_client")
                    .directory(ROOT.resolve("clients/python").toFile())
                    .redirectErrorStream(true);
            tests.environment().put("CUSTODY_SOCKET", socket.toString());
            Process python = tests.start();
            python.getOutputStream().close();
            String output = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(python.waitFor(120, TimeUnit.SECONDS), "python3 finished");
            assertEquals(0, python.exitValue(), output + "\nserver:\n" + Files.readString(serverLog));
        } finally {
            server.toHandle().destroy(); // SIGTERM
            assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server stopped on SIGTERM");
        }
        assertFalse(Files.exists(socket), "the server removed its socket: " + Files.readString(serverLog));
    }

    /** Waits for the server's "ready" line (written once the socket exists), or for it to die. */
    private static void awaitReady(Process server, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log);
            if (text.contains("custody serve: ready on")) {
                return;
            }
            assertTrue(server.isAlive(), "the server died: " + text);
            server.waitFor(100, TimeUnit.MILLISECONDS); // returns early if it exits
        }
        throw new AssertionError("the server was not ready within 120 s: " + Files.readString(log));
    }

    private static String java() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }
}
