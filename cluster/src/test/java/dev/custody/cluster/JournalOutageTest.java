package dev.custody.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.custody.entity.AnswerRecord;
import dev.custody.model.Command;
import dev.custody.persistence.Journals;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL going away under a running node, and coming back: a node on the test PostgreSQL,
 * reached through a {@link LoopbackProxy} that the test cuts (every connection broken, new ones
 * refused, as when the server is stopped) and restores on the same port. While it is cut, every call
 * must fail within {@link #ERROR_BOUND} with an error naming the journal; once it is back, every
 * instance must answer again within {@link #RECOVERY_BOUND} on the same node, nothing restarted by
 * the test; and every answer acknowledged before, during or after must be the journal's. {@code
 * ./test} starts the server; without one ({@value ThreeNodeHandoffTest#URL} unset) the test is
 * skipped, saying so.
 */
class JournalOutageTest {
    static final int INSTANCES = 3;
    static final String CALLER = "outage-test";
    /** A caller's own wait for an answer: longer than an error must take, so that a hang shows as one. */
    static final Duration ASK = Duration.ofSeconds(40);
    /**
     * How soon a call made while the journal is gone must fail. Once the engine has seen its journal
     * fail, {@link EngineShard#JOURNAL_DOWN_WAIT}; before, the call's write fails when the pool gives
     * up connecting (5 s), and may first wait behind other journal calls doing the same (10.4 s seen).
     */
    static final Duration ERROR_BOUND = Duration.ofSeconds(20);
    /**
     * How long the journal stays cut at least: long enough for the journal's circuit breaker to open
     * and the coordinators' restarts to back off to their longest pause, which is what must not keep
     * the engine down once the journal is back.
     */
    static final Duration OUTAGE = Duration.ofSeconds(12);
    /** How soon after the journal is back every instance must answer again. */
    static final Duration RECOVERY_BOUND = Duration.ofSeconds(45);
    /** Any other wait of the test. */
    static final Duration BOUND = Duration.ofSeconds(60);

    private final List<Thread> drivers = new ArrayList<>();
    private final AtomicBoolean driving = new AtomicBoolean(true);
    private ClusterNode node;
    private LoopbackProxy proxy;

    /** One call of a driver: its answer, or the error it got instead. */
    record Call(
            String instance, String operationId, long sentNanos, long doneNanos, AnswerRecord answer, String error) {
        boolean acknowledged() {
            return answer != null;
        }

        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(doneNanos - sentNanos);
        }
    }

    @AfterEach
    void stop() throws Exception {
        driving.set(false);
        for (Thread driver : drivers) {
            driver.join(ASK.toMillis() * 2);
        }
        if (node != null) {
            node.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void callsFailNamingTheJournalWhileItIsGoneAndSucceedAgainWhenItReturnsWithNothingLost() throws Exception {
        String url = System.getenv(ThreeNodeHandoffTest.URL);
        Assumptions.assumeTrue(
                url != null,
                "skipped: no PostgreSQL (" + ThreeNodeHandoffTest.URL
                        + " is not set); ./test starts a throwaway server for this test");
        String user = System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_USER", "postgres");
        String password = System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_PASSWORD", "");
        URI server = URI.create(url.substring("jdbc:".length()));
        proxy = LoopbackProxy.start(new InetSocketAddress(server.getHost(), server.getPort()));
        String proxied = "jdbc:postgresql://127.0.0.1:" + proxy.port() + server.getRawPath();
        Config journal = Journals.postgres(proxied, user, password);

        String prefix = "o" + Long.toString(System.currentTimeMillis(), 36);
        // the driven instances, and one that is first asked while the journal is gone
        Fleet fleet = Fleet.numbered(prefix, INSTANCES + 1, Topologies.twoGroups());
        List<String> driven = java.util.stream.IntStream.range(0, INSTANCES)
                .mapToObj(i -> prefix + "-" + i)
                .toList();
        String cold = prefix + "-" + INSTANCES;
        int port = LoopbackPorts.free(1).getFirst();
        ClusterSettings settings = ClusterSettings.of("127.0.0.1", port, List.of("127.0.0.1:" + port), proxied)
                .withTimings(ClusterTimings.LOOPBACK);
        node = ClusterNode.start(
                settings, journal, fleet, Duration.ofSeconds(20), ThreeNodeHandoffTest.CRASH_ON_TERMINATE);
        ClusterEngines engines = node.engines();

        Map<String, List<Call>> calls = new ConcurrentHashMap<>();
        for (String instance : driven) {
            calls.put(instance, Collections.synchronizedList(new ArrayList<>()));
            Thread driver = new Thread(() -> drive(engines, instance, calls.get(instance)), "drive-" + instance);
            drivers.add(driver);
            driver.start();
        }
        await(
                BOUND,
                "3 acknowledged operations on every instance before the cut",
                () -> driven.stream().allMatch(i -> count(calls, i, c -> c.acknowledged()) >= 3));

        long cutAt = System.nanoTime();
        proxy.cut();
        long lateInOutage = cutAt + OUTAGE.toNanos();
        await(
                BOUND,
                "3 failed calls on every instance sent after the journal was cut, one of them " + OUTAGE.toSeconds()
                        + " s after",
                () -> driven.stream()
                        .allMatch(i -> count(calls, i, c -> !c.acknowledged() && c.sentNanos() > cutAt) >= 3
                                && count(calls, i, c -> !c.acknowledged() && c.sentNanos() > lateInOutage) >= 1));
        long coldSent = System.nanoTime();
        String coldError = null;
        try {
            decideOnce(engines, cold, "cold-0", ASK);
        } catch (java.util.concurrent.ExecutionException refused) {
            coldError = describe(refused);
        }
        long coldMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - coldSent);
        long restoredAt = System.nanoTime();
        proxy.restore();
        await(
                RECOVERY_BOUND,
                "every instance to answer a call sent after the journal came back",
                () -> driven.stream()
                        .allMatch(i -> count(calls, i, c -> c.acknowledged() && c.sentNanos() > restoredAt) >= 1));
        await(
                BOUND,
                "2 more acknowledged operations on every instance",
                () -> driven.stream()
                        .allMatch(i -> count(calls, i, c -> c.acknowledged() && c.sentNanos() > restoredAt) >= 3));
        driving.set(false);
        for (Thread driver : drivers) {
            driver.join(ASK.toMillis() * 2);
        }

        // the instance never started before: its start waited for the journal, and it answers now
        AnswerRecord coldAnswer = decideOnce(engines, cold, "cold-0", BOUND);
        assertTrue(coldAnswer.ok(), "instance " + cold + " after the journal came back: " + coldAnswer);

        List<Call> all = calls.values().stream()
                .flatMap(list -> List.copyOf(list).stream())
                .toList();
        List<Call> duringOutage = all.stream()
                .filter(c -> c.sentNanos() > cutAt && c.sentNanos() < restoredAt)
                .toList();
        List<Call> failedDuringOutage =
                duringOutage.stream().filter(c -> !c.acknowledged()).toList();
        long recoveredMillis = driven.stream()
                .mapToLong(i -> calls.get(i).stream()
                        .filter(c -> c.acknowledged() && c.sentNanos() > restoredAt)
                        .mapToLong(c -> TimeUnit.NANOSECONDS.toMillis(c.doneNanos() - restoredAt))
                        .min()
                        .orElseThrow())
                .max()
                .orElseThrow();
        System.out.println("journal outage: " + all.size() + " calls, "
                + all.stream().filter(Call::acknowledged).count() + " acknowledged; cut for "
                + TimeUnit.NANOSECONDS.toMillis(restoredAt - cutAt) + " ms, " + failedDuringOutage.size()
                + " calls failed meanwhile in "
                + failedDuringOutage.stream().mapToLong(Call::millis).summaryStatistics()
                + " ms; every instance answered again " + recoveredMillis + " ms after the journal was back; "
                + engines.startedHere() + " engine start(s) on the node; a request starting " + cold
                + " during the cut failed after " + coldMillis + " ms; the errors: "
                + failedDuringOutage.stream()
                        .map(Call::error)
                        .distinct()
                        .limit(5)
                        .toList());

        for (Call failed : failedDuringOutage) {
            assertTrue(
                    failed.millis() <= ERROR_BOUND.toMillis(),
                    "call " + failed.operationId() + " on " + failed.instance() + " failed only after "
                            + failed.millis() + " ms while the journal was gone (bound "
                            + ERROR_BOUND.toMillis() + " ms): " + failed.error());
            assertTrue(
                    failed.error().contains("journal"),
                    "the error of call " + failed.operationId() + " on " + failed.instance()
                            + " does not name the journal: " + failed.error());
        }
        assertTrue(
                coldError != null && coldError.contains("journal") && coldMillis <= ERROR_BOUND.toMillis(),
                "a request for " + cold + ", not running when the journal was cut, got after " + coldMillis
                        + " ms (bound " + ERROR_BOUND.toMillis() + " ms, naming the journal): " + coldError);
        assertSame(engines, node.engines());

        // every acknowledged answer is the journal's: a retry gets it again, and the coordinator's journal holds it
        for (String instance : driven) {
            List<Call> acknowledged =
                    calls.get(instance).stream().filter(Call::acknowledged).toList();
            for (Call ack : acknowledged) {
                AnswerRecord again = engines.decide(
                                instance,
                                new Command.ContainerOpen(ack.operationId()),
                                CALLER,
                                ack.operationId(),
                                BOUND)
                        .toCompletableFuture()
                        .get(BOUND.toMillis(), TimeUnit.MILLISECONDS)
                        .answer();
                assertEquals(
                        ack.answer(),
                        again,
                        "the retry of acknowledged operation " + ack.operationId() + " on " + instance);
            }
            Map<String, AnswerRecord> journaled = JournalAnswers.of(node.runtime(), instance);
            for (Call ack : acknowledged) {
                assertEquals(
                        ack.answer(),
                        journaled.get(ack.operationId()),
                        "the journal's answer to acknowledged operation " + ack.operationId() + " on " + instance);
            }
        }
    }

    private static AnswerRecord decideOnce(ClusterEngines engines, String instance, String operationId, Duration wait)
            throws Exception {
        return engines.decide(instance, new Command.ContainerOpen(operationId), CALLER, operationId, wait)
                .toCompletableFuture()
                .get(wait.toMillis() * 2, TimeUnit.MILLISECONDS)
                .answer();
    }

    /** Sends operations op-0, op-1, ... to one instance; an operation without an answer is sent again under its id. */
    private void drive(ClusterEngines engines, String instance, List<Call> calls) {
        int n = 0;
        while (driving.get()) {
            String operationId = "op-" + n;
            long sent = System.nanoTime();
            try {
                AnswerRecord answer = engines.decide(
                                instance, new Command.ContainerOpen(operationId), CALLER, operationId, ASK)
                        .toCompletableFuture()
                        .get(ASK.toMillis() * 2, TimeUnit.MILLISECONDS)
                        .answer();
                calls.add(new Call(instance, operationId, sent, System.nanoTime(), answer, null));
                n++;
            } catch (InterruptedException stopped) {
                return;
            } catch (Exception failed) {
                calls.add(new Call(instance, operationId, sent, System.nanoTime(), null, describe(failed)));
            }
        }
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.ExecutionException && failure.getCause() != null
                ? failure.getCause()
                : failure;
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    private static long count(
            Map<String, List<Call>> calls, String instance, java.util.function.Predicate<Call> which) {
        synchronized (calls.get(instance)) {
            return calls.get(instance).stream().filter(which).count();
        }
    }

    private static void await(Duration bound, String what, BooleanSupplier condition) throws InterruptedException {
        Waits.await(bound, what, condition);
    }
}
