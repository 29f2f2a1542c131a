package dev.custody.nativeio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write that blocks is answered PENDING and reported when it finishes. A FIFO stands in for the
 * blocking sysfs file: opening it for writing waits until a reader opens it.
 */
class SysfsWritesTest {
    @TempDir
    Path root;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS) // bounds the wait for the writer thread's completion
    void aBlockedWriteIsPendingUntilItFinishes() throws Exception {
        Path fifo = root.resolve("unbind");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        SysfsWrites writes = new SysfsWrites(Duration.ofMillis(200));
        int answer = writes.run(
                "7", List.of(new SysfsWrites.Write(fifo, "0000:00:03.0", false)), SysfsWrites.ALL_CAPABILITIES);
        assertEquals(SysfsWrites.PENDING, answer);
        assertEquals(List.of(), writes.collect("8", Duration.ZERO));
        try (InputStream reader = Files.newInputStream(fifo)) { // lets the writer's open return
            List<AgentCompletion> done = writes.collect("8", Duration.ofSeconds(20));
            assertEquals(List.of(new AgentCompletion("7", "8", "ok")), done);
            assertEquals("C 7 8 ok", done.getFirst().line());
            assertEquals("0000:00:03.0\n", new String(reader.readAllBytes()));
        }
        assertEquals(0, writes.pendingCount());
    }
}
