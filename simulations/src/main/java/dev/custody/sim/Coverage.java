package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.KernelState;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a run reached, as a fuzzer's coverage map: (operation, outcome) pairs, (operation, outcome,
 * shape) triples with the {@link StateShape} of the group the call was about, the shapes themselves,
 * and rule branches. A rule branch is an (operation, outcome, explanation) triple with the numbers and
 * names taken out of the explanation: each refusal of the rules says why in its own words, so distinct
 * explanations tell distinct branches apart at no cost, where instrumenting the rules would not stay pure.
 */
final class Coverage {
    private static final Pattern NUMBERS = Pattern.compile("(0x)?[0-9a-f]*[0-9][0-9a-f]*");
    private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"");

    private final Set<String> pairs = new HashSet<>();
    private final Set<String> triples = new HashSet<>();
    private final Set<String> shapes = new HashSet<>();
    private final Set<String> branches = new HashSet<>();
    private final Set<String> aims = new HashSet<>();

    /**
     * Records one decided call and says how new it was: 0 when everything it reached had been reached
     * before; more for a new pair or branch than for a new triple or shape.
     */
    int record(KernelState before, Command<?> command, Outcome<Reply> outcome) {
        String op = command.getClass().getSimpleName();
        String result = outcome.resultName();
        String shape = StateShape.of(before, command);
        int novelty = 0;
        novelty += pairs.add(op + " " + result) ? 4 : 0;
        novelty += branches.add(op + " " + result + " " + branchOf(outcome)) ? 3 : 0;
        novelty += triples.add(op + " " + result + " " + shape) ? 2 : 0;
        novelty += shapes.add(shape) ? 1 : 0;
        aims.add(op + " " + shape);
        return novelty;
    }

    /** Whether a call of {@code op} was ever made on a group of {@code shape}, whatever it came to. */
    boolean tried(String op, String shape) {
        return aims.contains(op + " " + shape);
    }

    static String branchOf(Outcome<Reply> outcome) {
        String explanation = outcome.explanation().orElse("");
        return NUMBERS.matcher(QUOTED.matcher(explanation).replaceAll("\"_\"")).replaceAll("#");
    }

    CoverageSummary summary(long refused, long aimedAtRefusal) {
        return new CoverageSummary(
                pairs.size(), triples.size(), shapes.size(), branches.size(), refused, aimedAtRefusal);
    }
}
