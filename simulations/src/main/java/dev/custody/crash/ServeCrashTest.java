package dev.custody.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.custody.bench.serve.VmLife;
import dev.custody.persistence.JournalSpec;
import dev.custody.server.ControlClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code crash-test --serve}: {@code custody serve} in a child JVM on a durable journal, {@code clients}
 * client threads here driving VMs' lives through its socket with an opid on every request, and a
 * SIGKILL of the server at a seeded moment mid-load (or, in about one restart in four, while it
 * recovers). After each kill the journal is audited against
 * every answer the clients got ({@link ServeAudit}); the server is started again on the same journal
 * and state directory, and the clients reconnect, send again the requests that got no answer (same
 * opid) and a sample of answered ones, whose answers must equal the first. A last server gets every
 * client's final resends and is stopped with SIGTERM: nothing may be left open.
 */
public final class ServeCrashTest {
    /** Answers before the earliest kill, and the spread of the kill moment above it. */
    static final int KILL_AFTER_AT_LEAST = 20;

    static final int KILL_AFTER_SPREAD = 300;

    private final CrashSettings settings;
    private final int clients;
    private final PrintStream progress;
    private final Random random;
    private final Bounds bounds = Bounds.JVM;
    private final String runId = Long.toString(System.nanoTime() % 1_000_000, 36);
    private final CrashTrace marks = new CrashTrace();
    private Optional<java.io.OutputStream> trace = Optional.empty();

    public ServeCrashTest(CrashSettings settings, int clients, PrintStream progress) {
        if (clients < 1 || clients > 250) {
            throw new IllegalArgumentException(
                    "--clients must be between 1 and 250 (one PCI bus each), not " + clients);
        }
        this.settings = settings;
        this.clients = clients;
        this.progress = progress;
        this.random = new Random(settings.seed());
    }

    /** Write the run's trace to {@code out} at its end ({@link CrashTrace}); the summary's "trace" says if it was. */
    public void traceTo(java.io.OutputStream out) {
        this.trace = Optional.of(out);
    }

    private Path socket() {
        return settings.workDirectory().resolve("custody.sock");
    }

    public Map<String, Object> run() throws IOException, InterruptedException {
        Path work = settings.workDirectory();
        Files.createDirectories(work);
        Path topology = work.resolve("serve-topology.json");
        Files.writeString(topology, VmLife.scenarioFile(clients), StandardCharsets.UTF_8);
        List<ServeCycleResult> cycles = new ArrayList<>();
        Set<String> lost = new LinkedHashSet<>();
        Set<String> violations = new LinkedHashSet<>();
        Optional<String> stoppedEarly = Optional.empty();
        ServeGate gate = new ServeGate();
        ServeTally tally = new ServeTally();
        int kills = 0;
        int killsDuringRecovery = 0;
        int unrecovered = 0;
        long lastReadyMillis = 10_000; // before the first start, a guess of how long a start takes
        long finalReadyMillis = -1;
        String user = System.getProperty("user.name");
        List<Thread> threads = new ArrayList<>();
        try (ServeAnswers answers = new ServeAnswers(work.resolve("answered.log"))) {
            for (int vm = 0; vm < clients; vm++) {
                ServeClient client = new ServeClient(vm, socket(), "r" + runId, settings.seed(), gate, tally, answers);
                threads.add(
                        Thread.ofPlatform().daemon().name("serve-client-" + vm).start(client));
            }
            try {
                for (int cycle = 1; cycle <= settings.cycles(); cycle++) {
                    // as in the engine's crash test, a quarter of the restarts are killed again while they recover
                    KillPoint kill = cycle > 1 && random.nextInt(4) == 0
                            ? new KillPoint.DuringRecovery()
                            : new KillPoint.AfterAcknowledged(KILL_AFTER_AT_LEAST + random.nextInt(KILL_AFTER_SPREAD));
                    double recoveryFraction = 0.3 + 0.6 * random.nextDouble();
                    long started = System.nanoTime();
                    ServeTally.Counts before = tally.counts();
                    marks.mark("cycle " + cycle + " starts", Map.of("cycle", cycle, "killPoint", kill.describe()));
                    ServerRun server = runServer(cycle, topology, kill, recoveryFraction, lastReadyMillis, gate, tally);
                    marks.mark(
                            server.killed().isPresent() ? "cycle " + cycle + ": SIGKILL" : "cycle " + cycle + " ended",
                            Map.of("cycle", cycle, "killed", server.killed().orElse("no")));
                    List<String> problems = new ArrayList<>(server.problems());
                    if (server.readyMillis() >= 0) {
                        user = server.user();
                        lastReadyMillis = server.readyMillis();
                    }
                    boolean killed = server.killed().isPresent();
                    boolean killedDuringRecovery =
                            killed && kill instanceof KillPoint.DuringRecovery && server.readyMillis() < 0;
                    long readyMillis = server.readyMillis();
                    long lastSeq = server.lastSeq();
                    kills += killed ? 1 : 0;
                    killsDuringRecovery += killedDuringRecovery ? 1 : 0;
                    ServeTally.Counts counts = tally.counts().minus(before);
                    problems.addAll(tally.drainProblems());
                    Optional<Audit> audit = audit(answers.all(), user, false, "after cycle " + cycle, problems);
                    audit.ifPresent(a -> problems.addAll(a.problems()));
                    CycleResult result = new CycleResult(
                            cycle,
                            server.killed().orElse("no"),
                            readyMillis,
                            lastSeq,
                            (int) counts.answered(),
                            audit.map(Audit::decisions).orElse(-1L),
                            audit.map(Audit::events).orElse(-1L),
                            audit.map(Audit::lost).orElse(List.of()),
                            problems,
                            Optional.empty(),
                            (System.nanoTime() - started) / 1_000_000);
                    ServeCycleResult serveResult = new ServeCycleResult(result, counts);
                    cycles.add(serveResult);
                    audit.ifPresent(a -> lost.addAll(a.lost()));
                    violations.addAll(problems);
                    progress.println(serveResult.line());
                    problems.forEach(p -> progress.println("  VIOLATION " + p));
                    audit.ifPresent(a -> a.lost().forEach(l -> progress.println("  LOST " + l)));
                    if (audit.isEmpty()) {
                        stoppedEarly = Optional.of("the journal could not be audited after cycle " + cycle);
                        break;
                    }
                    if (readyMillis >= 0) {
                        unrecovered = 0;
                    } else if (!killedDuringRecovery) {
                        unrecovered++;
                    }
                    if (unrecovered >= CrashTest.STOP_AFTER_UNRECOVERED) {
                        stoppedEarly = Optional.of("custody serve did not become ready in " + unrecovered
                                + " cycles in a row (cycles " + (cycle - unrecovered + 1) + " to " + cycle + ")");
                        break;
                    }
                }
                stoppedEarly.ifPresent(why -> progress.println("stopping early: " + why));
                ServeTally.Counts before = tally.counts();
                marks.mark("final recovery", Map.of("afterCycle", cycles.size()));
                finalReadyMillis = finalCheck(topology, gate, tally, answers, cycles.size(), lost, violations);
                ServeTally.Counts last = tally.counts().minus(before);
                progress.println("final check: resent " + last.retries() + " unanswered ("
                        + last.retriesDecidedBefore() + " decided before the kill) and " + last.repeats()
                        + " answered (" + last.mismatched() + " answered differently)");
            } finally {
                gate.close();
                for (Thread thread : threads) {
                    thread.join(bounds.exit());
                }
            }
            Map<String, Object> summary = summary(
                    cycles,
                    kills,
                    killsDuringRecovery,
                    answers.all().size(),
                    tally.counts(),
                    lost,
                    violations,
                    finalReadyMillis,
                    stoppedEarly);
            if (trace.isPresent()) { // the journal the final check left, with each cycle's kill on its own track
                Optional<String> notWritten =
                        marks.write(trace.get(), settings.journal(), settings.instance(), "SIGKILLs of custody serve");
                summary.put(
                        "trace", notWritten.map(why -> "not written: " + why).orElse("written"));
            }
            return summary;
        }
    }

    /** One server's life in a cycle: whether and when it was killed, how long it took to be ready, what went wrong. */
    record ServerRun(Optional<String> killed, long readyMillis, long lastSeq, String user, List<String> problems) {}

    /**
     * Starts the server and kills it at the kill point: while it recovers ({@code recoveryFraction} of
     * the last start's time to ready, so in the engine's or the server's own recovery rather than in
     * the JVM's start), or once the clients got that many answers.
     */
    private ServerRun runServer(
            int cycle,
            Path topology,
            KillPoint kill,
            double recoveryFraction,
            long lastReadyMillis,
            ServeGate gate,
            ServeTally tally)
            throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        Optional<String> killed = Optional.empty();
        long readyMillis = -1;
        long lastSeq = -1;
        String user = System.getProperty("user.name");
        ServeTally.Counts before = tally.counts();
        Duration startBound = bounds.start().plus(bounds.recovery());
        try (ServeChild child = ServeChild.start(
                serveArguments(topology),
                settings.workDirectory().resolve("serve-" + cycle + ".stderr"),
                JournalSpec.childEnvironment(settings.journal()))) {
            if (kill instanceof KillPoint.DuringRecovery) {
                long killAt = Math.round(lastReadyMillis * recoveryFraction);
                readyMillis = child.awaitReady(Duration.ofMillis(killAt));
                if (readyMillis < 0 && child.alive()) {
                    child.kill();
                    killed = Optional.of("during recovery (" + killAt + " ms after the start)");
                } else if (readyMillis < 0) {
                    problems.add("custody serve ended by itself in cycle " + cycle + " (" + child.exitDescription()
                            + "): " + child.tail());
                }
            } else {
                readyMillis = child.awaitReady(startBound);
                if (readyMillis < 0) {
                    problems.add("custody serve did not become ready within " + startBound.toSeconds() + " s "
                            + (cycle > 1 ? "after cycle " + (cycle - 1) + "'s SIGKILL" : "in cycle 1") + " ("
                            + child.exitDescription() + "): " + child.tail());
                }
            }
            if (readyMillis >= 0 && kill instanceof KillPoint.AfterAcknowledged after) {
                user = Files.getOwner(socket()).getName();
                lastSeq = lastDecision();
                gate.open(ServeGate.Phase.LOAD, cycle, lastSeq);
                if (tally.awaitAnswered(
                        before.answered() + after.count(), bounds.quiet().toMillis())) {
                    killed = Optional.of("after " + after.count() + " answers");
                } else {
                    problems.add("custody serve answered nothing for "
                            + bounds.quiet().toSeconds() + " s in cycle "
                            + cycle + " (after " + tally.counts().minus(before).answered() + " answers): "
                            + child.tail());
                }
            } else if (readyMillis >= 0) {
                // ready before the moment picked to kill its recovery: killed at once, before any load
                user = Files.getOwner(socket()).getName();
                lastSeq = lastDecision();
                killed = Optional.of("as soon as it was ready (after " + readyMillis
                        + " ms, before the moment picked to kill its recovery)");
            }
            child.kill();
            if (!child.awaitExit(bounds.exit())) {
                problems.add("custody serve did not end within " + bounds.exit().toSeconds()
                        + " s of its SIGKILL in cycle " + cycle);
            }
        }
        return new ServerRun(killed, readyMillis, lastSeq, user, problems);
    }

    /**
     * A last server: every client sends its unanswered request and a sample of answered ones again,
     * then the server is stopped with SIGTERM and the journal audited (nothing may be left open).
     */
    private long finalCheck(
            Path topology,
            ServeGate gate,
            ServeTally tally,
            ServeAnswers answers,
            int cycles,
            Set<String> lost,
            Set<String> violations)
            throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        long readyMillis;
        String user = System.getProperty("user.name");
        try (ServeChild child = ServeChild.start(
                serveArguments(topology),
                settings.workDirectory().resolve("serve-final.stderr"),
                JournalSpec.childEnvironment(settings.journal()))) {
            readyMillis = child.awaitReady(bounds.start().plus(bounds.recovery()));
            if (readyMillis < 0) {
                problems.add("custody serve did not become ready for the final check within "
                        + bounds.start().plus(bounds.recovery()).toSeconds() + " s after cycle " + cycles
                        + "'s SIGKILL (" + child.exitDescription() + "): " + child.tail());
            } else {
                user = Files.getOwner(socket()).getName();
                gate.open(ServeGate.Phase.VERIFY, cycles + 1, lastDecision());
                if (!gate.awaitVerified(clients, bounds.stop().toMillis())) {
                    problems.add("the clients' final resends were not all answered within "
                            + bounds.stop().toSeconds() + " s: " + child.tail());
                }
                child.terminate();
                if (!child.awaitExit(bounds.stop())) {
                    problems.add("custody serve did not stop within "
                            + bounds.stop().toSeconds() + " s of its SIGTERM at the final check: " + child.tail());
                }
            }
        }
        problems.addAll(tally.drainProblems());
        boolean stoppedCleanly = readyMillis >= 0 && problems.isEmpty();
        Optional<Audit> audit = audit(answers.all(), user, stoppedCleanly, "after the final check", problems);
        audit.ifPresent(a -> problems.addAll(a.problems()));
        audit.ifPresent(a -> lost.addAll(a.lost()));
        violations.addAll(problems);
        progress.println("final recovery: " + (readyMillis < 0 ? "none" : readyMillis + " ms to ready")
                + audit.map(a -> "; journal " + a.decisions() + " decisions / " + a.events() + " events")
                        .orElse(""));
        problems.forEach(p -> progress.println("  VIOLATION " + p));
        audit.ifPresent(a -> a.lost().forEach(l -> progress.println("  LOST " + l)));
        return readyMillis;
    }

    private List<String> serveArguments(Path topology) {
        return List.of(
                "--socket",
                socket().toString(),
                "--journal",
                settings.journalSpelling(),
                "--instance",
                settings.instance(),
                "--topology",
                topology.toString(),
                "--state",
                settings.workDirectory().resolve("serve-state").toString());
    }

    /** The last decision the ready server holds ({@code query-status}); -1 when it does not say in time. */
    private long lastDecision() {
        CompletableFuture<Long> status = CompletableFuture.supplyAsync(
                () -> {
                    try (ControlClient client = ControlClient.connect(socket())) {
                        JsonNode answer = client.call(
                                JsonNodeFactory.instance.objectNode().put("execute", "query-status"));
                        return answer.path("return").path("lastDecision").asLong(-1);
                    } catch (IOException e) {
                        return -1L;
                    }
                },
                task -> Thread.ofPlatform().daemon().name("serve-status").start(task));
        try {
            return status.get(bounds.quiet().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The journal audited within {@link CrashTest#AUDIT_BOUND}; empty (and a problem) when it could not be. */
    private Optional<Audit> audit(
            List<ServeAnswers.Answer> answered, String user, boolean afterCleanStop, String when, List<String> problems)
            throws InterruptedException {
        CompletableFuture<Audit> audit = CompletableFuture.supplyAsync(
                () -> ServeAudit.audit(settings.journal(), settings.instance(), user, answered, afterCleanStop),
                task -> Thread.ofPlatform().daemon().name("serve-crash-audit").start(task));
        try {
            return Optional.of(audit.get(CrashTest.AUDIT_BOUND.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            problems.add("reading the journal " + when + " did not finish within " + CrashTest.AUDIT_BOUND.toMinutes()
                    + " min");
        } catch (ExecutionException e) {
            problems.add("the journal could not be audited " + when + ": "
                    + e.getCause().getMessage());
        }
        return Optional.empty();
    }

    private Map<String, Object> summary(
            List<ServeCycleResult> cycles,
            int kills,
            int killsDuringRecovery,
            int answered,
            ServeTally.Counts counts,
            Set<String> lost,
            Set<String> violations,
            long finalReadyMillis,
            Optional<String> stoppedEarly) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", "SIGKILL of custody serve");
        out.put("cycles", cycles.size());
        out.put("kills", kills);
        out.put("killsDuringRecovery", killsDuringRecovery);
        out.put("clients", clients);
        out.put("acknowledged", answered);
        out.put("retries", counts.retries());
        out.put("retriesDecidedBeforeTheKill", counts.retriesDecidedBefore());
        out.put("repeats", counts.repeats());
        out.put("mismatchedRetries", counts.mismatched());
        out.put("lost", lost.size());
        out.put("violations", violations.size());
        out.put("seed", settings.seed());
        out.put(
                "recoveryMillis",
                cycles.stream()
                        .map(c -> c.cycle().recoveryMillis())
                        .filter(m -> m >= 0)
                        .toList());
        out.put("finalRecoveryMillis", finalReadyMillis);
        out.put("journal", settings.journalSpelling());
        stoppedEarly.ifPresent(why -> out.put("stoppedEarly", why));
        out.put("perCycle", cycles.stream().map(ServeCycleResult::json).toList());
        out.put("lostOperations", List.copyOf(lost));
        out.put("violationMessages", List.copyOf(violations));
        return out;
    }
}
