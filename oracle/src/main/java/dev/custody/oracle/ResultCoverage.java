package dev.custody.oracle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.ops.Operations;
import dev.custody.scenario.Scenario;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which (operation, result) pairs a run of the oracle saw: each result the kernel gave for an
 * operation, with how many steps gave it, and each result the engine gave that the kernel was never
 * seen to give. Files the VM cannot run count on the engine's side only: they say what the model
 * can produce that no VM run checks. {@code custody oracle diff --coverage FILE} writes the table.
 */
public final class ResultCoverage {
    /** "ok" first, then the errnos and the other answers (PENDING, WARN) in alphabetical order. */
    private static final Comparator<String> RESULTS =
            Comparator.comparing((String r) -> !r.equals("ok")).thenComparing(Comparator.naturalOrder());

    private final SortedMap<String, SortedMap<String, Counts>> pairs = new TreeMap<>();

    private static final class Counts {
        int kernel;
        int engine;
    }

    /** The steps of a file that ran: each side's result. */
    public void add(FileComparison comparison) {
        for (StepOutcome outcome : comparison.outcomes()) {
            counts(outcome.op(), outcome.kernel()).kernel++;
            counts(outcome.op(), outcome.engine()).engine++;
        }
    }

    /** A file the VM could not run: the engine's results only. */
    public void addEngineOnly(Scenario scenario) {
        List<ObjectNode> lines = EngineLines.of(scenario);
        for (int i = 0; i < scenario.steps().size() && i < lines.size(); i++) {
            counts(scenario.steps().get(i).op(), lines.get(i).path("result").asText()).engine++;
        }
    }

    private Counts counts(String op, String result) {
        return pairs.computeIfAbsent(op, o -> new TreeMap<>(RESULTS)).computeIfAbsent(result, r -> new Counts());
    }

    /** Pairs the kernel was seen to give. */
    public long seenFromKernel() {
        return rows().stream().filter(r -> r.getValue().kernel > 0).count();
    }

    /** Pairs only the engine gave. */
    public long engineOnly() {
        return rows().stream().filter(r -> r.getValue().kernel == 0).count();
    }

    private List<Map.Entry<String, Counts>> rows() {
        List<Map.Entry<String, Counts>> rows = new ArrayList<>();
        pairs.forEach(
                (op, results) -> results.forEach((result, counts) -> rows.add(Map.entry(op + " " + result, counts))));
        return rows;
    }

    /** The table in Markdown: one row per pair, the steps each side gave it in, and the pairs the kernel never gave. */
    public List<String> markdown() {
        List<String> lines = new ArrayList<>();
        lines.add("| operation | result | kernel (steps) | engine (steps) |");
        lines.add("|---|---|---:|---:|");
        pairs.forEach((op, results) -> results.forEach((result, counts) -> lines.add("| `" + op + "` | " + result
                + " | " + (counts.kernel == 0 ? "never seen" : String.valueOf(counts.kernel)) + " | " + counts.engine
                + " |")));
        Operations.names().stream()
                .filter(op -> !pairs.containsKey(op))
                .sorted()
                .forEach(op -> lines.add("| `" + op + "` | no step | never seen | 0 |"));
        lines.add("");
        lines.add(seenFromKernel() + " (operation, result) pairs seen from the kernel; " + engineOnly()
                + " the engine gave that the kernel was never seen to give.");
        return lines;
    }
}
