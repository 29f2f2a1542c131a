package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.rules.ModelRandomWalkTest;
import dev.custody.rules.RandomWalk;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The engine's log at INFO: one line when it boots, one when it recovers (how much it read, how
 * long it took, what it holds), one when it stops, and nothing per operation.
 */
class EngineLogTest extends InMemoryRuntimeTest {
    private final Logger engineLog = (Logger) LoggerFactory.getLogger("dev.custody.engine");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private Level levelBefore;

    @BeforeEach
    void capture() {
        levelBefore = engineLog.getLevel();
        engineLog.setLevel(Level.INFO);
        lines.start();
        engineLog.addAppender(lines);
    }

    @AfterEach
    void release() {
        engineLog.detachAppender(lines);
        engineLog.setLevel(levelBefore);
    }

    private List<String> messages() {
        return lines.list.stream()
                .filter(e -> e.getFormattedMessage().startsWith("engine logged "))
                .map(e -> e.getLevel() + " " + e.getFormattedMessage())
                .toList();
    }

    @Test
    void aBootARecoveryAndTwoStopsAreFourLines() {
        Topology topology = ModelRandomWalkTest.topology();
        Custody engine = Custody.start(runtime, "logged", topology, TIMEOUT)
                .toCompletableFuture()
                .join();
        for (Command<?> command : new RandomWalk(topology, false).commands(7, 200)) {
            engine.decide(command).toCompletableFuture().join();
        }
        long last = engine.stop().toCompletableFuture().join();
        Custody recovered = Custody.start(runtime, "logged", topology, TIMEOUT)
                .toCompletableFuture()
                .join();
        recovered.stop().toCompletableFuture().join();

        List<String> messages = messages();
        assertEquals(4, messages.size(), "nothing per operation: " + messages);
        long devices = topology.devices().size();
        assertTrue(
                messages.get(0)
                        .matches("INFO engine logged booted on a new journal: " + devices + " devices in \\d+ groups"),
                messages.get(0));
        assertEquals("INFO engine logged stopped at decision " + last, messages.get(1));
        assertTrue(
                Pattern.matches(
                        "INFO engine logged recovered its journal in \\d+ ms: \\d+ records after the snapshot, " + last
                                + " decisions, 0 open \\(delivered again\\), " + devices + " devices in \\d+ groups",
                        messages.get(2)),
                messages.get(2));
        assertEquals("INFO engine logged stopped at decision " + last, messages.get(3));
    }
}
