package dev.custody.crash;

import dev.custody.persistence.JournalCredentials;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
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
 * The crash harness: start the race in a child on a durable journal, kill it at a seeded moment
 * (mid-race, or during the recovery itself), audit the journal it left, restart on the same journal,
 * and repeat; at the end, one clean recovery that must complete every open decision. How the child
 * runs and what a kill takes away is the {@link CrashMode}'s: a SIGKILL of a JVM, or a power cut of
 * the VM it runs in.
 */
public final class CrashTest {
    private static final long MAX_OPERATIONS_PER_CHILD = 200_000;
    /** Cycles in a row whose engine did not recover before the run stops: every further one would cost its bounds. */
    static final int STOP_AFTER_UNRECOVERED = 3;
    /** Reading and replaying the journal after a kill; far above what it takes (seconds). */
    static final Duration AUDIT_BOUND = Duration.ofMinutes(15);

    private final CrashSettings settings;
    private final CrashMode mode;
    private final PrintStream progress;
    private final Random random;
    private final String runId = Long.toString(System.nanoTime() % 1_000_000, 36);
    private final CrashTrace marks = new CrashTrace();
    private Optional<java.io.OutputStream> trace = Optional.empty();

    /** The mode the settings name: SIGKILL, or power loss (which boots the oracle's VM). */
    public CrashTest(CrashSettings settings, PrintStream progress) {
        this(
                settings,
                settings.powerLoss() ? PowerLossMode.create(settings, progress::println) : new SigkillMode(settings),
                progress);
    }

    CrashTest(CrashSettings settings, CrashMode mode, PrintStream progress) {
        this.settings = settings;
        this.mode = mode;
        this.progress = progress;
        this.random = new Random(settings.seed());
    }

    /** Write the run's trace to {@code out} at its end ({@link CrashTrace}); the summary's "trace" says if it was. */
    public void traceTo(java.io.OutputStream out) {
        this.trace = Optional.of(out);
    }

    public Map<String, Object> run() throws IOException, InterruptedException {
        Files.createDirectories(settings.workDirectory());
        List<CycleResult> cycles = new ArrayList<>();
        Set<String> lost = new LinkedHashSet<>();
        Set<String> violations = new LinkedHashSet<>();
        List<TornTailReport> tornTails = new ArrayList<>();
        Optional<String> stoppedEarly = Optional.empty();
        int kills = 0;
        int unrecovered = 0;
        int tearAt = settings.tornTail() ? Math.max(1, settings.cycles() / 2) : -1;
        try (AckLog log = new AckLog(settings.workDirectory().resolve("acknowledged.log"));
                CrashMode _ = mode) {
            for (int cycle = 1; cycle <= settings.cycles(); cycle++) {
                KillPoint kill = cycle > 1 && random.nextInt(4) == 0
                        ? new KillPoint.DuringRecovery()
                        : new KillPoint.AfterAcknowledged(3 + random.nextInt(60));
                long started = System.nanoTime();
                marks.mark("cycle " + cycle + " starts", Map.of("cycle", cycle, "killPoint", kill.describe()));
                ChildRun.Result child = runChild(arguments(cycle, false), "child-" + cycle, kill, log);
                marks.mark(
                        child.killed() ? "cycle " + cycle + ": " + mode.killName() : "cycle " + cycle + " ended",
                        Map.of(
                                "cycle",
                                cycle,
                                "killed",
                                child.killed() ? kill.describe() : "no (" + child.exit() + ")",
                                "acknowledged",
                                child.acknowledged()));
                kills += child.killed() ? 1 : 0;
                List<String> problems = new ArrayList<>(childProblems(child, true, cycle));
                Optional<Audit> audit = audit(log.all(), child, "after cycle " + cycle, problems);
                audit.ifPresent(a -> problems.addAll(a.problems()));
                Optional<TornTailReport> torn = Optional.empty();
                if (audit.isPresent() && cycle == tearAt) {
                    TornTailReport report = tearAndRestart(log, cycle);
                    if (report.outcome().equals(TornTailReport.STUCK)) {
                        problems.addAll(report.problems()); // a restart that neither recovers nor refuses is a hang
                    }
                    torn = Optional.of(report);
                }
                CycleResult result = new CycleResult(
                        cycle,
                        child.killed() ? kill.describe() : "no (" + child.exit() + ")",
                        child.recovered().map(WorkloadLine.Recovered::millis).orElse(-1L),
                        child.recovered().map(WorkloadLine.Recovered::lastSeq).orElse(-1L),
                        child.acknowledged(),
                        audit.map(Audit::decisions).orElse(-1L),
                        audit.map(Audit::events).orElse(-1L),
                        audit.map(Audit::lost).orElse(List.of()),
                        problems,
                        torn,
                        (System.nanoTime() - started) / 1_000_000);
                cycles.add(result);
                audit.ifPresent(a -> lost.addAll(a.lost()));
                violations.addAll(problems);
                torn.ifPresent(tornTails::add);
                progress.println(result.line());
                torn.ifPresent(t -> progress.println("  " + t.line()));
                problems.forEach(p -> progress.println("  VIOLATION " + p));
                audit.ifPresent(a -> a.lost().forEach(l -> progress.println("  LOST " + l)));
                if (audit.isEmpty()) {
                    stoppedEarly = Optional.of("the journal could not be audited after cycle " + cycle);
                    break;
                }
                // a cycle killed during its recovery on purpose says nothing about whether it would recover
                boolean cutShortOnPurpose = kill instanceof KillPoint.DuringRecovery && child.killed();
                if (child.recovered().isPresent()) {
                    unrecovered = 0;
                } else if (!cutShortOnPurpose) {
                    unrecovered++;
                }
                if (unrecovered >= STOP_AFTER_UNRECOVERED) {
                    stoppedEarly = Optional.of("the engine did not recover in " + unrecovered
                            + " cycles in a row (cycles " + (cycle - unrecovered + 1) + " to " + cycle + ")");
                    break;
                }
            }
            stoppedEarly.ifPresent(why -> progress.println("stopping early: " + why));
            Optional<ChildRun.Result> last = Optional.empty();
            if (stoppedEarly.isEmpty() || unrecovered > 0) {
                last = Optional.of(finalRecovery(log, cycles.size(), lost, violations));
            }
            Map<String, Object> summary =
                    summary(cycles, kills, log.all().size(), lost, violations, tornTails, last, stoppedEarly);
            if (trace.isPresent()) {
                Optional<String> notWritten =
                        marks.write(trace.get(), mode.journalAfterKill(), settings.instance(), mode.killName());
                summary.put(
                        "trace", notWritten.map(why -> "not written: " + why).orElse("written"));
            }
            return summary;
        }
    }

    /** A last child that only recovers and stops: it must complete every open decision and stop cleanly. */
    private ChildRun.Result finalRecovery(AckLog log, int cycles, Set<String> lost, Set<String> violations)
            throws IOException, InterruptedException {
        marks.mark("final recovery", Map.of("afterCycle", cycles));
        ChildRun.Result last =
                runChild(arguments(cycles + 1, true), "child-" + (cycles + 1), new KillPoint.Never(), log);
        String where = "in the final clean recovery, after cycle " + cycles + "'s " + mode.killName();
        List<String> problems = new ArrayList<>();
        last.stuck()
                .forEach(stuck -> problems.add("the final clean recovery, after cycle " + cycles + "'s "
                        + mode.killName() + ", recovered with " + stuck));
        last.stall().ifPresent(s -> problems.add(s.describe(where)));
        if (last.stall().isEmpty() && !last.done()) {
            problems.add("the final clean recovery did not finish (" + last.exit() + "): " + last.tail());
        }
        Optional<Audit> audit = audit(log.all(), last, "after the final recovery", problems);
        audit.ifPresent(a -> problems.addAll(a.problems()));
        audit.ifPresent(a -> lost.addAll(a.lost()));
        violations.addAll(problems);
        progress.println("final recovery: "
                + last.recovered()
                        .map(r -> r.millis() + " ms to decision " + r.lastSeq())
                        .orElse("none")
                + audit.map(a -> "; journal " + a.decisions() + " decisions / " + a.events() + " events")
                        .orElse(""));
        problems.forEach(p -> progress.println("  VIOLATION " + p));
        return last;
    }

    private ChildRun.Result runChild(List<String> arguments, String name, KillPoint kill, AckLog log)
            throws IOException, InterruptedException {
        try (WorkloadChild child = mode.start(arguments, name)) {
            return ChildRun.run(child, kill, log, mode.bounds());
        }
    }

    /**
     * A child that got stuck, died on its own, or was never killed is a failure of the engine under test;
     * {@code cycle}'s stall is said with where it happened (its recovery follows the previous cycle's kill).
     */
    private List<String> childProblems(ChildRun.Result child, boolean expectKill, int cycle) {
        List<String> problems = new ArrayList<>();
        if (child.stall().isPresent()) {
            Stall stall = child.stall().get();
            boolean recovering = stall.phase() == Stall.Phase.START || stall.phase() == Stall.Phase.RECOVERY;
            String where = recovering && cycle > 1
                    ? "after cycle " + (cycle - 1) + "'s " + mode.killName()
                    : "in cycle " + cycle;
            problems.add(stall.describe(where) + lastWords(child));
        } else if (expectKill && !child.killed()) {
            problems.add("the child of cycle " + cycle + " ended by itself (" + child.exit() + ")" + lastWords(child));
        }
        // the engine recovered and the cycle went on, but an entity's journal cannot be read: a violation
        String recovery = cycle > 1
                ? "the recovery of cycle " + cycle + ", after cycle " + (cycle - 1) + "'s " + mode.killName() + ","
                : "the start of cycle 1";
        child.stuck().forEach(stuck -> problems.add(recovery + " recovered with " + stuck));
        return problems;
    }

    private static String lastWords(ChildRun.Result child) {
        String tail = child.tail();
        return tail.isEmpty() ? "" : ": " + tail;
    }

    /**
     * The journal as the kill left it, audited within {@link #AUDIT_BOUND}; empty when that could not be
     * done (a problem says why, and the run stops: a reader still holding the journal would spoil the rest).
     */
    private Optional<Audit> audit(
            List<WorkloadLine.Acknowledged> acknowledged, ChildRun.Result child, String when, List<String> problems)
            throws InterruptedException {
        CompletableFuture<Audit> audit = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return JournalAudit.audit(
                                mode.journalAfterKill(),
                                settings.instance(),
                                acknowledged,
                                child.recovered(),
                                child.stuck());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                },
                task -> Thread.ofPlatform().daemon().name("crash-audit").start(task));
        try {
            return Optional.of(audit.get(AUDIT_BOUND.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            problems.add("reading the journal " + when + " did not finish within " + AUDIT_BOUND.toMinutes() + " min");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            problems.add("the journal could not be audited " + when + ": " + cause.getMessage());
        }
        return Optional.empty();
    }

    /**
     * Tears the tail of the H2 file, starts a clean recovery on it and records what happened; then puts
     * the intact file back so the remaining cycles continue from the real journal.
     */
    private TornTailReport tearAndRestart(AckLog log, int cycle) throws IOException, InterruptedException {
        TornTail tear = new TornTail(settings.h2File().orElseThrow());
        long bytes = tear.tear(random.nextLong());
        marks.mark("torn tail after cycle " + cycle, Map.of("cycle", cycle, "bytes", bytes));
        ChildRun.Result restart;
        Optional<Audit> audit = Optional.empty();
        try (AckLog scratch = new AckLog(settings.workDirectory().resolve("torn-tail-acknowledged.log"))) {
            restart = runChild(arguments(cycle * 1000, true), "torn-tail", new KillPoint.Never(), scratch);
        }
        if (restart.done() && restart.stall().isEmpty()) {
            List<String> problems = new ArrayList<>();
            audit = audit(log.all(), restart, "after the torn-tail restart", problems);
            if (audit.isEmpty()) {
                audit = Optional.of(new Audit(-1, -1, List.of(), problems));
            }
        }
        tear.restore();
        return TornTailReport.of(cycle, bytes, restart, audit);
    }

    /** A child's command-line arguments: they show in the process list, so they hold no password. */
    List<String> arguments(int cycle, boolean verifyOnly) {
        List<String> args = new ArrayList<>(List.of(
                "--journal",
                mode.journalSpelling(),
                "--instance",
                settings.instance(),
                "--seed",
                Long.toString(settings.seed() + cycle),
                "--topology-seed",
                Long.toString(settings.seed()),
                "--groups",
                Integer.toString(settings.groups()),
                "--operation-prefix",
                "r" + runId + "-c" + cycle,
                "--max-operations",
                Long.toString(MAX_OPERATIONS_PER_CHILD)));
        if (verifyOnly) {
            args.add("--verify-only");
        }
        return args;
    }

    private Map<String, Object> summary(
            List<CycleResult> cycles,
            int kills,
            int acknowledged,
            Set<String> lost,
            Set<String> violations,
            List<TornTailReport> tornTails,
            Optional<ChildRun.Result> last,
            Optional<String> stoppedEarly) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", mode.killName());
        out.put("cycles", cycles.size());
        out.put("kills", kills);
        out.put(
                "killsDuringRecovery",
                cycles.stream()
                        .filter(c -> c.killedWhen().equals("during recovery"))
                        .count());
        out.put("acknowledged", acknowledged);
        out.put("lost", lost.size());
        out.put("violations", violations.size());
        out.put("seed", settings.seed());
        out.put(
                "recoveryMillis",
                cycles.stream()
                        .map(CycleResult::recoveryMillis)
                        .filter(m -> m >= 0)
                        .toList());
        out.put(
                "finalRecoveryMillis",
                last.flatMap(ChildRun.Result::recovered)
                        .map(WorkloadLine.Recovered::millis)
                        .orElse(-1L));
        out.put("journal", JournalCredentials.redacted(settings.journalSpelling()));
        stoppedEarly.ifPresent(why -> out.put("stoppedEarly", why));
        if (settings.tornTail()) {
            out.put("tornTail", tornTails.stream().map(TornTailReport::json).toList());
        }
        out.put("perCycle", cycles.stream().map(CycleResult::json).toList());
        out.put("lostOperations", List.copyOf(lost));
        out.put("violationMessages", List.copyOf(violations));
        return out;
    }

    /** The summary's verdict: nothing acknowledged lost and nothing broken. */
    public static boolean passed(Map<String, Object> summary) {
        return ((Number) summary.get("lost")).intValue() == 0 && ((Number) summary.get("violations")).intValue() == 0;
    }
}
