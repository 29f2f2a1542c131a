package dev.custody.oracle;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.rules.Mutant;
import dev.custody.scenario.Scenario;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether the kernel catches each mutant: every kernel run the oracle makes is compared once more
 * with the model under each deliberately wrong rule ({@link Mutant}). A mutant is caught when, on some
 * file, its answers differ from the kernel's, or the wrong rule leaves the model unable to go on. No
 * extra VM run is needed: the kernel's answers are the ones the correct model was compared with.
 *
 * <p>The check fails when a mutant is caught by no file, unless it is said why none can be (it is
 * invisible to the kernel, {@link Mutant#whyTheKernelCannotTell()}, or to the oracle's guest), and when
 * one said to be unseen is caught after all.
 */
public final class MutantCatches {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /**
     * Mutants the kernel could give away but the oracle's guest does not show: each changes only which
     * domain a group or a hot-added device sits on, or whether a group's core domains are freed, and
     * the guest reports neither (it answers calls; it does not read a group's current domain back). The invariant
     * checks of the corpus and of {@code simulate} catch them instead. Like the list of files allowed to
     * be skipped, an entry never outlives its reason: a listed mutant some file catches fails the check.
     */
    static final Map<Mutant, String> NOT_SHOWN_BY_THE_GUEST = Map.of(
            Mutant.BLOCKING_REALLOCATED,
            "a claim's fresh blocking domain blocks as the reused one does; the guest cannot tell two blocking"
                    + " domains apart",
            Mutant.REPLACE_KEEPS_OLD_DOMAIN,
            "the guest resolves a HWPT's domain through the HWPT, not through the group it should be on",
            Mutant.EMPTY_GROUP_KEEPS_DOMAINS,
            "an emptied group's domains are kernel memory no call of the guest reaches",
            Mutant.HOT_ADD_DEFAULT_DOMAIN,
            "the guest does not read back which domain a hot-added device joins, and no call of the corpus"
                    + " after such a hot-add answers differently for it",
            Mutant.OWNERSHIP_SKIPS_BLOCKING,
            "the guest does not read back an owned group's domain, and an owner's calls answer the same"
                    + " whether the group sits on its blocking or its default domain");

    /** For each mutant, the files that caught it, each with its first disagreement. */
    private final Map<Mutant, List<String>> caughtBy = new EnumMap<>(Mutant.class);

    private int runs;

    public MutantCatches() {
        for (Mutant mutant : Mutant.values()) {
            caughtBy.put(mutant, new ArrayList<>());
        }
    }

    /**
     * Compares the kernel {@code run} of {@code scenario} with every mutant of the model, when the run is
     * usable and the correct model agrees with it (a file that already disagrees is the diff's failure).
     */
    public void add(Scenario scenario, KernelRun run) {
        // only a run the correct model agrees with can tell a wrong rule by disagreeing
        if (!run.usable()
                || !Comparison.of(scenario, EngineLines.of(scenario), run)
                        .disagreements()
                        .isEmpty()) {
            return;
        }
        runs++;
        for (Mutant mutant : Mutant.values()) {
            List<ObjectNode> lines;
            try {
                lines = EngineLines.of(scenario, Set.of(mutant));
            } catch (RuntimeException stuck) {
                // a wrong rule may reach a state the model cannot go on from, where the kernel went on
                caughtBy.get(mutant).add(scenario.source() + ": the model could not go on (" + stuck + ")");
                continue;
            }
            FileComparison comparison = Comparison.of(scenario, lines, run);
            if (!comparison.disagreements().isEmpty()) {
                StepDisagreement first = comparison.disagreements().getFirst();
                caughtBy.get(mutant)
                        .add(scenario.source() + " step " + first.step() + " (" + first.op() + "): " + first.field()
                                + " " + first.engine() + " where the kernel gave " + first.kernel());
            }
        }
    }

    /** The files that caught {@code mutant}, each with what gave it away. */
    public List<String> caughtBy(Mutant mutant) {
        return List.copyOf(caughtBy.get(mutant));
    }

    /** What fails the check: a mutant the kernel should catch that no file caught, or the reverse. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (runs == 0) {
            return problems;
        }
        for (Mutant mutant : Mutant.values()) {
            boolean caught = !caughtBy.get(mutant).isEmpty();
            Optional<String> unseen = whyUnseen(mutant);
            if (!caught && unseen.isEmpty()) {
                problems.add("mutant " + mutant.cliName() + " (" + mutant.description() + ") agrees with the kernel on"
                        + " all " + runs + " files the correct model agrees on");
            }
            if (caught && unseen.isPresent()) {
                problems.add("mutant " + mutant.cliName() + " is said to be out of the oracle's sight (" + unseen.get()
                        + "), yet " + caughtBy.get(mutant).getFirst());
            }
        }
        return problems;
    }

    /** Why no file can catch {@code mutant}, when that is known and said. */
    public static Optional<String> whyUnseen(Mutant mutant) {
        return mutant.whyTheKernelCannotTell().or(() -> Optional.ofNullable(NOT_SHOWN_BY_THE_GUEST.get(mutant)));
    }

    public void print(PrintStream out) {
        out.println("oracle: mutants against the kernel's answers of " + runs + " files:");
        for (Mutant mutant : Mutant.values()) {
            List<String> files = caughtBy.get(mutant);
            if (files.isEmpty()) {
                out.printf(
                        "  %-28s caught by no file%s%n",
                        mutant.cliName(),
                        whyUnseen(mutant)
                                .map(why -> " (as expected: " + why + ")")
                                .orElse(""));
            } else {
                out.printf("  %-28s caught by %d, first %s%n", mutant.cliName(), files.size(), files.getFirst());
            }
        }
        problems().forEach(problem -> out.println("oracle: FAIL " + problem));
    }

    public ObjectNode json() {
        ObjectNode node = JSON.objectNode();
        node.put("files", runs);
        ObjectNode mutants = node.putObject("mutants");
        for (Mutant mutant : Mutant.values()) {
            ObjectNode one = mutants.putObject(mutant.cliName());
            one.put("caughtBy", caughtBy.get(mutant).size());
            caughtBy.get(mutant).stream().findFirst().ifPresent(first -> one.put("first", first));
            whyUnseen(mutant).ifPresent(why -> one.put("unseenBecause", why));
        }
        ArrayNode problems = node.putArray("problems");
        problems().forEach(problems::add);
        return node;
    }
}
