package dev.custody.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Topology;
import dev.custody.persistence.Journals;
import dev.custody.persistence.SchemaCreator;
import dev.custody.persistence.TornRows;
import dev.custody.scenario.ScenarioParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash test's restart on a journal where a device's last row is torn and a decision for it is open
 * (issue 13): the restart recovers, says the device is stuck with the one-line message (persistence id,
 * row, reason), which the run counts as a violation, and the child goes on to its end instead of failing
 * or hanging. The child is the real workload on a real H2 journal, in this JVM.
 */
class CrashWorkloadStuckEntityTest {
    private static final String INSTANCE = "custody";
    private static final DeviceId DEVICE = new DeviceId("0000:00:04.0");
    private static final String PERSISTENCE_ID = INSTANCE + "|device|" + DEVICE.name();
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(60);
    /** Every step of the restart within 30 s: far above the second or so it takes, far below the asks' timeout. */
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path data;

    private static Topology topology() {
        return ScenarioParser.parse("three-groups", """
                        {"topology": {"iommus": [{"name": "dmar0"}], "devices": [
                          {"name": "0000:00:03.0", "iommu": "dmar0", "group": 1},
                          {"name": "0000:00:04.0", "iommu": "dmar0", "group": 2},
                          {"name": "0000:00:05.0", "iommu": "dmar0", "group": 3}]},
                         "steps": []}
                        """).topology();
    }

    @Test
    @Timeout(120)
    void theRestartRecoversReportsTheStuckDeviceAndEndsByItself() throws Exception {
        Config journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = start(runtime);
            assertTrue(engine.execute(new Command.DriverBind(DEVICE, "vfio-pci"))
                    .toCompletableFuture()
                    .join()
                    .isOk());
            engine.quiesce().toCompletableFuture().join();
            engine.stop().toCompletableFuture().join();
        }
        long torn = TornRows.lastRow(journal, PERSISTENCE_ID);
        TornRows.tear(journal, PERSISTENCE_ID, torn);
        // a decision for the device, answered and left open: as a kill leaves one
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = start(runtime);
            assertTrue(engine.execute(new Command.DriverUnbind(DEVICE))
                    .toCompletableFuture()
                    .join()
                    .isOk());
            engine.halt().toCompletableFuture().join();
        }

        ChildRun.Result restart;
        try (InProcessChild child = new InProcessChild(journal);
                AckLog log = new AckLog(data.resolve("acknowledged.log"))) {
            restart = ChildRun.run(child, new KillPoint.Never(), log, new Bounds(BOUND, BOUND, BOUND, BOUND, BOUND));
        }

        assertEquals(Optional.empty(), restart.stall(), "the restart did every step within its bound");
        assertTrue(restart.recovered().isPresent(), "the restart recovered: " + restart.tail());
        assertTrue(restart.done(), "the restart stopped by itself: " + restart.exit());
        assertEquals("status 0", restart.exit());
        assertEquals(1, restart.stuck().size(), restart.stuck().toString());
        String line = restart.stuck().getFirst();
        System.out.println("STUCK " + line);
        assertTrue(line.startsWith("entity " + PERSISTENCE_ID + " is stuck: its journal cannot be recovered"), line);
        assertTrue(
                line.contains("the row with sequence number " + torn + " of persistence id " + PERSISTENCE_ID), line);
        assertTrue(line.contains("cannot be read"), line);
        assertFalse(line.contains("\n"), line);

        // what the run makes of it: a violation with the message, and a cycle that recovered
        TornTailReport report = TornTailReport.of(5, 4096, restart, Optional.of(new Audit(2, 2, List.of(), List.of())));
        assertEquals(TornTailReport.RECOVERED_DIFFERENTLY, report.outcome());
        assertEquals(List.of("recovered with " + line), report.problems());
    }

    private static EngineAdmin start(CustodyRuntime runtime) {
        return EngineAdmin.start(runtime, INSTANCE, topology(), ASK_TIMEOUT)
                .toCompletableFuture()
                .join();
    }

    /** The crash test's workload in verify mode, on a thread of this JVM: it recovers, reports and stops. */
    private static final class InProcessChild implements WorkloadChild {
        private final PipedInputStream in = new PipedInputStream(1 << 16);
        private final Thread thread;
        private volatile int status = -1;

        InProcessChild(Config journal) throws IOException {
            PipedOutputStream out = new PipedOutputStream(in);
            thread = Thread.ofPlatform().name("crash-workload").start(() -> {
                try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
                    status = new CrashWorkload(print).run(journal, INSTANCE, topology(), 1, "verify", true, 0, false);
                }
            });
        }

        @Override
        public InputStream protocol() {
            return in;
        }

        @Override
        public void kill() {
            thread.interrupt(); // a bound expired: the assertions on the stall say so
        }

        @Override
        public boolean awaitExit(Duration bound) throws InterruptedException {
            return thread.join(bound);
        }

        @Override
        public String exitDescription() {
            return thread.isAlive() ? "still running" : "status " + status;
        }

        @Override
        public int exitCode() {
            return status;
        }

        @Override
        public String diagnostics() {
            return "";
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }
}
