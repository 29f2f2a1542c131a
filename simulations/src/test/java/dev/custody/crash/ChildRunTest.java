package dev.custody.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Reading a child's protocol, killing it at its point, and bounding every wait; children are scripted. */
@Timeout(30)
class ChildRunTest {
    /** Short bounds: the stuck children below are found out in a fraction of a second. */
    private static final Bounds SHORT = new Bounds(
            Duration.ofMillis(300),
            Duration.ofMillis(300),
            Duration.ofMillis(300),
            Duration.ofMillis(300),
            Duration.ofMillis(300));
    /** Bounds no working child here comes near. */
    private static final Bounds LONG = new Bounds(
            Duration.ofSeconds(20),
            Duration.ofSeconds(20),
            Duration.ofSeconds(20),
            Duration.ofSeconds(20),
            Duration.ofSeconds(20));

    @TempDir
    Path dir;

    @Test
    void serialLinesAreReadThroughCarriageReturnsNoiseAndTornLinesAndTheKillComesAtItsPoint() throws Exception {
        // a guest's serial port ends lines with \r\n; a kill can cut a line; the JVM's stderr can mix in
        ScriptedChild child = ScriptedChild.hanging("RECOVERING\r\n" + "RECOVERED 1234 17 abcdef 0\r\n"
                + "ACK r1-c2-1 1 00aa\r\n"
                + "WARNING: a log line\r\n"
                + "ACK r1-c2-2\r\n"
                + "ACK r1-c2-3 0 00bb\n"
                + "ACK r1-c2-4 2 00cc\r\n");
        try (AckLog log = new AckLog(dir.resolve("acknowledged.log"))) {
            ChildRun.Result result = ChildRun.run(child, new KillPoint.AfterAcknowledged(2), log, LONG);

            assertTrue(result.killed());
            assertTrue(child.killed());
            assertEquals(Optional.empty(), result.stall());
            assertEquals(Optional.of(new WorkloadLine.Recovered(1234, 17, "abcdef", 0)), result.recovered());
            // the line after the kill point was written before the child died: it was acknowledged too
            assertEquals(3, result.acknowledged());
            assertEquals(
                    List.of("r1-c2-1", "r1-c2-3", "r1-c2-4"),
                    log.all().stream()
                            .map(WorkloadLine.Acknowledged::operationId)
                            .toList());
            assertTrue(result.diagnostics().contains("WARNING: a log line"), result.diagnostics());
        }
        assertEquals(
                List.of("ACK r1-c2-1 1 00aa", "ACK r1-c2-3 0 00bb", "ACK r1-c2-4 2 00cc"),
                Files.readAllLines(dir.resolve("acknowledged.log")));
    }

    @Test
    void aKillDuringRecoveryComesAsSoonAsRecoveryBegins() throws Exception {
        ScriptedChild child = ScriptedChild.hanging("RECOVERING\n");
        try (AckLog log = new AckLog(dir.resolve("acknowledged.log"))) {
            ChildRun.Result result = ChildRun.run(child, new KillPoint.DuringRecovery(), log, LONG);
            assertTrue(result.killed());
            assertEquals(Optional.empty(), result.recovered());
            assertEquals(Optional.empty(), result.stall());
        }
    }

    @Test
    void aVerifyChildStopsByItself() throws Exception {
        ScriptedChild child = new ScriptedChild("RECOVERING\nRECOVERED 5 9 ff 0\nDONE\n", true, false);
        try (AckLog log = new AckLog(dir.resolve("acknowledged.log"))) {
            ChildRun.Result result = ChildRun.run(child, new KillPoint.Never(), log, LONG);
            assertTrue(result.done());
            assertFalse(result.killed());
            assertFalse(child.killed());
            assertEquals(Optional.empty(), result.stall());
            assertEquals("status 0", result.exit());
        }
    }

    @Test
    void eachStuckStepIsKilledAndNamed() throws Exception {
        assertStall(
                "",
                new KillPoint.AfterAcknowledged(5),
                Stall.Phase.START,
                "the engine did not start recovering within 300 ms after cycle 12's SIGKILL");
        assertStall(
                "RECOVERING\n",
                new KillPoint.AfterAcknowledged(5),
                Stall.Phase.RECOVERY,
                "the engine did not finish recovery within 300 ms after cycle 12's SIGKILL");
        assertStall(
                "RECOVERING\nRECOVERED 5 9 ff 0\nACK a 1 x\n",
                new KillPoint.AfterAcknowledged(5),
                Stall.Phase.RACE,
                "the engine acknowledged nothing for 300 ms after cycle 12's SIGKILL (after 1 acknowledged)");
        assertStall(
                "RECOVERING\nRECOVERED 5 9 ff 0\n",
                new KillPoint.Never(),
                Stall.Phase.STOP,
                "the engine did not stop cleanly within 300 ms of its recovery after cycle 12's SIGKILL");
    }

    @Test
    void aChildThatOutlivesItsKillIsNamedAndNotWaitedOnForEver() throws Exception {
        ScriptedChild child = new ScriptedChild("RECOVERING\n", false, true);
        try (AckLog log = new AckLog(dir.resolve("acknowledged.log"))) {
            ChildRun.Result result = ChildRun.run(child, new KillPoint.DuringRecovery(), log, SHORT);
            assertTrue(result.killed());
            assertEquals(Stall.Phase.EXIT, result.stall().orElseThrow().phase());
            assertEquals("still running", result.exit());
        } finally {
            child.close();
        }
    }

    @Test
    void theMessageOfAFailedChildNamesItsException() throws Exception {
        ScriptedChild child = new ScriptedChild("java-init: exit 1\n", true, false);
        try (AckLog log = new AckLog(dir.resolve("acknowledged.log"))) {
            ChildRun.Result result = ChildRun.run(child, new KillPoint.Never(), log, LONG);
            assertEquals(
                    "Exception in thread \"main\" java.lang.IllegalStateException: stuck\njava-init: exit 1",
                    result.tail());
        }
    }

    private void assertStall(String output, KillPoint kill, Stall.Phase phase, String message) throws Exception {
        ScriptedChild child = ScriptedChild.hanging(output);
        try (AckLog log = new AckLog(dir.resolve(phase + ".log"))) {
            ChildRun.Result result = ChildRun.run(child, kill, log, SHORT);
            assertTrue(child.killed(), phase + ": the stuck child is killed");
            assertFalse(result.killed(), phase + ": not a kill at the kill point");
            Stall stall = result.stall().orElseThrow(() -> new AssertionError(phase + ": no stall reported"));
            assertEquals(phase, stall.phase());
            assertEquals(message, stall.describe("after cycle 12's SIGKILL"));
        }
    }
}
