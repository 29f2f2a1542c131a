package dev.custody.crash;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a restart on a torn H2 file did, which is H2's choice rather than the engine's: it
 * {@code recovered} with every acknowledged operation there, {@code recovered-differently} (the
 * acknowledged operations it rolled back are listed), was {@code refused} (with H2's message), or got
 * {@code stuck} (a violation: a restart must end one way or the other).
 */
record TornTailReport(
        int afterCycle,
        long bytesOverwritten,
        String outcome,
        List<String> missing,
        List<String> problems,
        Optional<String> message) {

    static final String RECOVERED = "recovered";
    static final String RECOVERED_DIFFERENTLY = "recovered-differently";
    static final String REFUSED = "refused";
    static final String STUCK = "stuck";

    /** An H2 exception's line: its class name, its message and, usually, H2's error code in brackets. */
    private static final Pattern H2_EXCEPTION = Pattern.compile("(org\\.h2\\.[\\w.$]*(?:Exception|Error)\\b.*)");

    TornTailReport {
        missing = List.copyOf(missing);
        problems = List.copyOf(problems);
    }

    static TornTailReport of(int afterCycle, long bytes, ChildRun.Result restart, Optional<Audit> audit) {
        if (restart.stall().isPresent()) {
            String stall = restart.stall().get().describe("in the restart on the torn file after cycle " + afterCycle);
            return new TornTailReport(afterCycle, bytes, STUCK, List.of(), List.of(stall), Optional.empty());
        }
        if (!restart.done() || audit.isEmpty()) {
            return new TornTailReport(
                    afterCycle, bytes, REFUSED, List.of(), List.of(), Optional.of(refusal(restart.diagnostics())));
        }
        Audit a = audit.get();
        // an entity whose rows the tear damaged is stuck: the engine recovered, not as it was
        List<String> problems = new java.util.ArrayList<>(a.problems());
        restart.stuck().forEach(stuck -> problems.add("recovered with " + stuck));
        String outcome = a.lost().isEmpty() && problems.isEmpty() ? RECOVERED : RECOVERED_DIFFERENTLY;
        return new TornTailReport(afterCycle, bytes, outcome, a.lost(), problems, Optional.empty());
    }

    /** H2's own message in what the refused child wrote: the first H2 exception, else the first line that says anything. */
    static String refusal(String diagnostics) {
        Matcher h2 = H2_EXCEPTION.matcher(diagnostics);
        if (h2.find()) {
            return h2.group(1).strip();
        }
        return diagnostics
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("WARNING:"))
                .findFirst()
                .orElse("(the child wrote no message)");
    }

    Map<String, Object> json() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("afterCycle", afterCycle);
        out.put("bytesOverwritten", bytesOverwritten);
        out.put("outcome", outcome);
        out.put("missingOperations", missing);
        out.put("problems", problems);
        message.ifPresent(m -> out.put("message", m));
        return out;
    }

    String line() {
        String head =
                "torn tail after cycle " + afterCycle + " (" + bytesOverwritten + " bytes overwritten): " + outcome;
        return switch (outcome) {
            case RECOVERED -> head + ", every acknowledged operation is there";
            case RECOVERED_DIFFERENTLY ->
                head + ", " + missing.size() + " acknowledged operations missing"
                        + (missing.isEmpty() ? "" : ": " + String.join("; ", missing))
                        + (problems.isEmpty() ? "" : "; problems: " + String.join("; ", problems));
            case REFUSED -> head + ": " + message.orElse("");
            default -> head + ": " + String.join("; ", problems);
        };
    }
}
