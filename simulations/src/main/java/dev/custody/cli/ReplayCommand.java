package dev.custody.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.model.state.KernelState;
import dev.custody.output.OutputFile;
import dev.custody.output.Outputs;
import dev.custody.replay.AnswerCheck;
import dev.custody.replay.HtmlReport;
import dev.custody.replay.InvariantCheck;
import dev.custody.replay.JournalHistory;
import dev.custody.replay.JournalTrace;
import dev.custody.replay.ObjectTimeline;
import dev.custody.replay.OwnershipChart;
import dev.custody.replay.Replay;
import dev.custody.replay.ReplayPoint;
import dev.custody.replay.ReplayStep;
import dev.custody.replay.StateDigest;
import dev.custody.replay.StepViolation;
import dev.custody.replay.SysfsView;
import dev.custody.replay.TimelineEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody replay}: a journal read back through the pure model, checked at every decision. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        header = "Replay an engine's journal through the pure model and check every invariant.",
        description = {
            "Reads an engine's journal (also one a crashed process left), replays every decision's",
            "events through the pure model and checks every invariant after each, with the answer the",
            "journal recorded; decides every recorded command again, refusals included, and checks that",
            "it gets the same answer and that a refusal changed nothing (G12). Exit 0 when all held,",
            "1 on a violation (naming the decision and its operation), 2 when the journal cannot be read."
        })
public final class ReplayCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    RecordedJournal recorded;

    @Option(
            names = "--at",
            paramLabel = "SEQ|TIME",
            description = "Print the full state after this decision (or at this ISO-8601 instant).")
    String at;

    @Option(names = "--group", paramLabel = "N", description = "Print this group's history.")
    Integer group;

    @Option(
            names = "--device",
            paramLabel = "X",
            description = "Print this device's history (with its group's ownership).")
    String device;

    @Option(
            names = "--report",
            paramLabel = "FILE",
            description = "Write an HTML page with the ownership timeline of every group, and beside it every"
                    + " ownership change as CSV (FILE's name with .csv).")
    Path report;

    @Option(
            names = "--trace",
            paramLabel = "FILE",
            description = "Write a Chrome/Perfetto trace-event JSON file: a track per group and per device with"
                    + " their ownership spans, every recorded command as an instant with its result, violations"
                    + " marked; at the times the journal recorded.")
    Path trace;

    @Option(names = "--json", description = "One JSON object instead of text.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        try (Outputs outputs = new Outputs()) {
            OutputFile html = null;
            OutputFile csv = null;
            OutputFile traceFile = null;
            try {
                if (report != null) {
                    html = outputs.claim("--report", report);
                    csv = outputs.claim("--report", OutputFile.beside(report, ".csv"));
                }
                if (trace != null) {
                    traceFile = outputs.claim("--trace", trace);
                }
            } catch (OutputFile.BadOutput bad) { // before the journal is read: nothing is written
                System.err.println("custody replay: " + bad.getMessage());
                return 2;
            }
            return replay(html, csv, traceFile);
        }
    }

    private int replay(OutputFile html, OutputFile csv, OutputFile traceFile) throws IOException {
        java.util.Optional<JournalHistory> read = recorded.read("replay");
        if (read.isEmpty()) {
            return 2;
        }
        JournalHistory history = read.get();
        InvariantCheck invariants = new InvariantCheck();
        AnswerCheck answers = new AnswerCheck(history);
        List<Consumer<ReplayStep>> observers = new ArrayList<>(List.of(invariants, answers));
        ObjectTimeline timeline =
                group != null ? ObjectTimeline.ofGroup(group) : device != null ? ObjectTimeline.ofDevice(device) : null;
        if (device != null
                && history.topology().devices().keySet().stream()
                        .noneMatch(d -> d.name().equals(device))) {
            System.err.println("custody replay: --device " + device + " is not in the journal's topology");
            return 2;
        }
        if (timeline != null) {
            observers.add(timeline.withAttempts(history));
        }
        OwnershipChart chart = new OwnershipChart();
        if (report != null) {
            observers.add(chart);
        }
        JournalTrace journalTrace = null;
        if (traceFile != null) { // after the checks, so it marks what they found at the decision that broke it
            journalTrace = new JournalTrace(
                    traceFile.outputStream(), history, List.of(invariants::violations, answers::violations));
            observers.add(journalTrace);
        }
        long startNanos = System.nanoTime();
        KernelState last;
        long lastSeq = history.decisions().size();
        try {
            last = Replay.fold(history, Long.MAX_VALUE, observers);
            answers.finish(lastSeq, last);
            if (journalTrace != null) {
                journalTrace.finish(
                        lastSeq,
                        Map.of(
                                "command",
                                "custody replay",
                                "instance",
                                history.instance(),
                                "format",
                                history.format(),
                                "clock",
                                "journal: microseconds since the first decision's row was written, as each"
                                        + " row's time was recorded"));
                traceFile.commit();
            }
        } finally {
            if (journalTrace != null) {
                journalTrace.close();
            }
        }
        if (timeline != null) {
            timeline.finish(lastSeq, last);
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        KernelState atState = null;
        long atSeq = 0;
        if (at != null) {
            try {
                atSeq = new ReplayPoint(at).lastSeq(history);
            } catch (IllegalArgumentException bad) {
                System.err.println("custody replay: " + bad.getMessage());
                return 2;
            }
            atState = Replay.fold(history, atSeq, List.of());
        }
        List<StepViolation> violations = new ArrayList<>(invariants.violations());
        violations.addAll(answers.violations());
        if (html != null) {
            csv.write(HtmlReport.changesCsv(chart));
            html.write(HtmlReport.render(
                    history,
                    chart,
                    violations.size(),
                    csv.target().getFileName().toString()));
        }

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("instance", history.instance());
        summary.put("format", history.format());
        summary.put("decisions", history.decisions().size());
        summary.put("events", history.eventCount());
        summary.put("openDecisions", history.openDecisions());
        summary.put("answeredUnchanged", history.answered().size());
        summary.put("commandsDecidedAgain", answers.commands());
        summary.put(
                "violations",
                violations.stream()
                        .map(v -> Map.of(
                                "seq",
                                v.seq(),
                                "operationId",
                                v.operationId(),
                                "invariant",
                                v.violation().invariant(),
                                "message",
                                v.violation().toString()))
                        .toList());
        summary.put("stateDigest", StateDigest.of(last));
        summary.put("replaySeconds", seconds);
        if (atState != null) {
            summary.put("at", Map.of("seq", atSeq, "state", SysfsView.json(atState)));
        }
        if (timeline != null) {
            summary.put(
                    "timeline",
                    Map.of(
                            "object",
                            timeline.title(),
                            "entries",
                            timeline.entries().stream().map(TimelineEntry::json).toList()));
        }
        if (report != null) {
            summary.put("report", report.toString());
            summary.put("reportData", OutputFile.beside(report, ".csv").toString());
        }
        if (trace != null) {
            summary.put("trace", trace.toString());
        }
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(summary));
        } else {
            printText(history, violations, last, atSeq, atState, timeline);
        }
        return violations.isEmpty() ? 0 : 1;
    }

    private void printText(
            JournalHistory history,
            List<StepViolation> violations,
            KernelState last,
            long atSeq,
            KernelState atState,
            ObjectTimeline timeline) {
        if (atState != null) {
            System.out.println("state after decision " + atSeq + ":");
            System.out.print(SysfsView.text(atState));
        }
        if (timeline != null) {
            System.out.println("history of " + timeline.title() + ":");
            timeline.entries().forEach(e -> System.out.println("  " + e.line()));
        }
        violations.forEach(v -> System.out.println("VIOLATION " + v));
        System.out.println(
                "instance " + history.instance() + ": " + history.decisions().size() + " decisions, "
                        + history.eventCount() + " events, "
                        + history.answered().size() + " commands that changed nothing, "
                        + history.openDecisions().size() + " open (taken, not yet applied), "
                        + violations.size() + " violations; state " + StateDigest.of(last));
        if (report != null) {
            System.out.println("report written to " + report + " (every ownership change: "
                    + OutputFile.beside(report, ".csv") + ")");
        }
        if (trace != null) {
            System.out.println("trace written to " + trace + " (open it in ui.perfetto.dev or chrome://tracing)");
        }
    }
}
