package dev.custody.crash;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The crash harness: start the race in a child JVM on a durable journal, SIGKILL it at a seeded moment
 * (mid-race, or during the recovery itself), audit the journal it left, restart on the same journal,
 * and repeat; at the end, one clean recovery that must complete every open decision.
 */
public final class CrashTest {
    private static final Duration CHILD_DEADLINE = Duration.ofMinutes(3);
    private static final long MAX_OPERATIONS_PER_CHILD = 200_000;

    private final CrashSettings settings;
    private final PrintStream progress;
    private final Random random;
    private final String runId = Long.toString(System.nanoTime() % 1_000_000, 36);

    public CrashTest(CrashSettings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
        this.random = new Random(settings.seed());
    }

    public Map<String, Object> run() throws IOException, InterruptedException {
        Files.createDirectories(settings.workDirectory());
        List<CycleResult> cycles = new ArrayList<>();
        Set<String> lost = new LinkedHashSet<>();
        Set<String> violations = new LinkedHashSet<>();
        Map<String, Object> tornTail = null;
        int kills = 0;
        int tearAt = settings.tornTail() ? Math.max(1, settings.cycles() / 2) : -1;
        try (AckLog log = new AckLog(settings.workDirectory().resolve("acknowledged.log"))) {
            for (int cycle = 1; cycle <= settings.cycles(); cycle++) {
                KillPoint kill = cycle > 1 && random.nextInt(4) == 0
                        ? new KillPoint.DuringRecovery()
                        : new KillPoint.AfterAcknowledged(3 + random.nextInt(60));
                ChildRun.Result child = ChildRun.run(arguments(cycle, false), stderr(cycle), kill, log, CHILD_DEADLINE);
                kills += child.killed() ? 1 : 0;
                List<String> problems = new ArrayList<>(childProblems(child, true));
                Audit audit = JournalAudit.audit(settings.journal(), settings.instance(), log.all(), child.recovered());
                problems.addAll(audit.problems());
                CycleResult result = new CycleResult(
                        cycle,
                        child.killed() ? kill.describe() : "no (exit " + child.exitCode() + ")",
                        child.recovered().map(WorkloadLine.Recovered::millis).orElse(-1L),
                        child.recovered().map(WorkloadLine.Recovered::lastSeq).orElse(-1L),
                        child.acknowledged(),
                        audit.decisions(),
                        audit.events(),
                        audit.lost(),
                        problems);
                cycles.add(result);
                lost.addAll(audit.lost());
                violations.addAll(problems);
                progress.println(result.line());
                problems.forEach(p -> progress.println("  VIOLATION " + p));
                audit.lost().forEach(l -> progress.println("  LOST " + l));
                if (cycle == tearAt) {
                    tornTail = tearAndRestart(log, cycle);
                }
            }
            ChildRun.Result last = ChildRun.run(
                    arguments(settings.cycles() + 1, true),
                    stderr(settings.cycles() + 1),
                    new KillPoint.Never(),
                    log,
                    CHILD_DEADLINE);
            List<String> finalProblems = new ArrayList<>(childProblems(last, false));
            if (!last.done()) {
                finalProblems.add("the final clean recovery did not finish: " + last.stderrTail());
            }
            Audit audit = JournalAudit.audit(settings.journal(), settings.instance(), log.all(), last.recovered());
            finalProblems.addAll(audit.problems());
            lost.addAll(audit.lost());
            violations.addAll(finalProblems);
            progress.println("final recovery: "
                    + last.recovered()
                            .map(r -> r.millis() + " ms to decision " + r.lastSeq())
                            .orElse("none") + "; journal " + audit.decisions() + " decisions / " + audit.events()
                    + " events");
            finalProblems.forEach(p -> progress.println("  VIOLATION " + p));
            return summary(cycles, kills, log.all().size(), lost, violations, tornTail, last);
        }
    }

    /** A child that died on its own, hung, or never got to recover is a failure of the engine under test. */
    private List<String> childProblems(ChildRun.Result child, boolean expectKill) {
        List<String> problems = new ArrayList<>();
        if (child.hung()) {
            problems.add("the child hung and was killed after " + CHILD_DEADLINE + ": " + child.stderrTail());
        } else if (expectKill && !child.killed()) {
            problems.add("the child exited by itself with status " + child.exitCode() + ": " + child.stderrTail());
        }
        return problems;
    }

    /**
     * Tears the tail of the H2 file, starts a clean recovery on it and records what the engine did;
     * then puts the intact file back so the remaining cycles continue from the real journal.
     */
    private Map<String, Object> tearAndRestart(AckLog log, int cycle) throws IOException, InterruptedException {
        Map<String, Object> report = new LinkedHashMap<>();
        if (settings.h2File().isEmpty()) {
            report.put("outcome", "skipped: --torn-tail needs an H2 journal");
            return report;
        }
        TornTail tear = new TornTail(settings.h2File().get());
        report.put("bytesOverwritten", tear.tear(random.nextLong()));
        AckLog scratch = new AckLog(settings.workDirectory().resolve("torn-tail-acknowledged.log"));
        ChildRun.Result child = ChildRun.run(
                arguments(cycle * 1000, true),
                settings.workDirectory().resolve("torn-tail.stderr"),
                new KillPoint.Never(),
                scratch,
                CHILD_DEADLINE);
        scratch.close();
        if (!child.done()) {
            report.put("outcome", "refused");
            report.put("message", child.stderrTail());
            progress.println("torn tail: the engine refused to start: " + firstLine(child.stderrTail()));
        } else {
            Audit audit = JournalAudit.audit(settings.journal(), settings.instance(), log.all(), child.recovered());
            report.put(
                    "outcome",
                    audit.lost().isEmpty() && audit.problems().isEmpty() ? "recovered" : "recovered-differently");
            report.put("lostAfterTear", audit.lost().size());
            report.put("problemsAfterTear", audit.problems());
            progress.println("torn tail: the engine started; " + audit.lost().size()
                    + " acknowledged operations missing, " + audit.problems().size() + " problems");
        }
        tear.restore();
        return report;
    }

    private static String firstLine(String text) {
        return text.lines().filter(l -> !l.isBlank()).findFirst().orElse("(no message)");
    }

    private List<String> arguments(int cycle, boolean verifyOnly) {
        List<String> args = new ArrayList<>(List.of(
                "--journal",
                settings.journalSpelling(),
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

    private Path stderr(int cycle) {
        return settings.workDirectory().resolve("child-" + cycle + ".stderr");
    }

    private Map<String, Object> summary(
            List<CycleResult> cycles,
            int kills,
            int acknowledged,
            Set<String> lost,
            Set<String> violations,
            Map<String, Object> tornTail,
            ChildRun.Result last) {
        Map<String, Object> out = new LinkedHashMap<>();
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
                last.recovered().map(WorkloadLine.Recovered::millis).orElse(-1L));
        out.put("journal", settings.journalSpelling());
        if (tornTail != null) {
            out.put("tornTail", tornTail);
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
