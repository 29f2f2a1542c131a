package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Kernel;
import dev.custody.rules.Mutant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A failure found after the trace window has dropped calls is still reproduced and shrunk: a
 * deterministic run's minimal trace breaks the same invariant from boot (the calls before the window
 * decided again from the seed when the window alone does not), and a concurrent run's is shrunk within
 * the window and says where it starts. The mutants and their seeds are {@link MutantCatchTest}'s.
 */
class TraceWindowFailureTest {
    private static final int BUDGET = 20_000;
    private static final int MAX_SHRUNK = 12;

    private static SimSettings model(long seed, boolean deterministic, Set<Mutant> mutants) {
        return new SimSettings(
                seed, 32, BUDGET, Optional.empty(), deterministic, Optional.empty(), "none", mutants, 2, 2);
    }

    @ParameterizedTest
    @EnumSource(
            value = Mutant.class,
            names = {
                "RELEASE_KEEPS_DOMAIN",
                "UNUSE_IGNORES_COUNT",
                "FREE_ATTACHED_DOMAIN",
                "HOT_ADD_DEFAULT_DOMAIN",
                "EMPTY_GROUP_KEEPS_DOMAINS",
                "DEVICE_RELEASE_DROPS_GROUP"
            })
    void aDeterministicFailureAfterTheWindowIsShrunkFromBoot(Mutant mutant) {
        long seed = MutantCatchTest.seedOf(mutant);
        SimResult whole = new Simulation(model(seed, true, Set.of(mutant))).run(n -> {});
        SimResult.Failure caught = whole.violation().orElseThrow();
        // a window of a third of the run: two thirds dropped, within the four windows decided again
        int window = (int) Math.max(1, caught.step() / 3);
        assertTrue(caught.step() > window, mutant + " caught at call " + caught.step());

        SimResult windowed = new Simulation(model(seed, true, Set.of(mutant)))
                .traceWindow(window)
                .run(n -> {});
        SimResult.Failure failure = windowed.violation().orElseThrow();
        System.out.println(mutant + " at call " + failure.step() + ", window " + window + ": "
                + failure.minimal().size() + " calls; " + failure.note().orElse(""));
        assertEquals(caught.step(), failure.step(), "the same run");
        assertEquals(caught.violations(), failure.violations());
        assertEquals(0, failure.startsAfter(), failure.note().orElse(""));
        assertTrue(failure.note().isPresent(), "says the run dropped calls");
        assertTrue(
                failure.minimal().size() <= MAX_SHRUNK,
                "shrunk to " + failure.minimal().size() + " calls");
        String invariant = failure.violations().getFirst().invariant();
        assertTrue(
                new TraceShrinker(whole.topology(), Set.of(mutant))
                        .replay(failure.minimal(), invariant)
                        .isPresent(),
                "the minimal trace breaks " + invariant + " from boot");
    }

    @Test
    void aFailureTheWindowAloneDoesNotReproduceIsShrunkWithTheCallsBeforeItDecidedAgain() {
        // what breaks needs calls before the window, which only the seed gives back
        Mutant mutant = Mutant.FREE_ATTACHED_DOMAIN;
        long seed = MutantCatchTest.seedOf(mutant);
        SimResult.Failure caught = new Simulation(model(seed, true, Set.of(mutant)))
                .run(n -> {})
                .violation()
                .orElseThrow();
        int window = (int) Math.max(1, caught.step() / 3);
        SimResult.Failure failure = new Simulation(model(seed, true, Set.of(mutant)))
                .traceWindow(window)
                .run(n -> {})
                .violation()
                .orElseThrow();
        assertEquals(0, failure.startsAfter());
        assertTrue(
                failure.note().orElseThrow().contains("decided again from seed " + seed),
                failure.note().get());
    }

    @Test
    void aFailureTooFarAfterTheWindowIsShrunkFromWhereTheWindowStartsAndSaysSo() {
        // a window of one call: the calls before it are more than four windows, so not decided again
        Mutant mutant = Mutant.FREE_ATTACHED_DOMAIN;
        long seed = MutantCatchTest.seedOf(mutant);
        Simulation simulation = new Simulation(model(seed, true, Set.of(mutant))).traceWindow(1);
        SimResult run = simulation.run(n -> {});
        SimResult.Failure failure = run.violation().orElseThrow();
        assertEquals(failure.step() - 1, failure.startsAfter(), failure.note().orElse(""));
        assertTrue(
                failure.note().orElseThrow().contains("--trace-window " + failure.step()),
                failure.note().get());
        assertTrue(
                SimReport.text(run).contains("from the state after call " + failure.startsAfter() + " of the run"),
                SimReport.text(run));
        // the seed still reproduces it: after the run's first calls, the minimal trace breaks it again
        KernelState after = Kernel.boot(run.topology()).state();
        for (TraceEntry entry : simulation.regenerate(failure.startsAfter())) {
            after = Operations.decide(after, entry.command(), Set.of(mutant)).state();
        }
        assertTrue(new TraceShrinker(run.topology(), Set.of(mutant))
                .replay(
                        after,
                        failure.minimal(),
                        failure.violations().getFirst().invariant())
                .isPresent());
    }

    @Test
    void aConcurrentFailureAfterTheWindowIsShrunkWithinIt() {
        Mutant mutant = Mutant.RELEASE_KEEPS_DOMAIN;
        long seed = MutantCatchTest.seedOf(mutant);
        // a window of two calls: a concurrent run's interleaving decides the call it is caught at, but
        // breaking this invariant takes more calls than two (open, attach, release), so the run has always
        // dropped some by then
        int window = 2;
        SimResult run = new Simulation(model(seed, false, Set.of(mutant)))
                .traceWindow(window)
                .run(n -> {});
        SimResult.Failure failure = run.violation().orElseThrow(() -> new AssertionError("survived " + BUDGET));
        System.out.println("concurrent " + mutant + " at call " + failure.step() + ": "
                + failure.minimal().size() + " calls after call " + failure.startsAfter() + "; "
                + failure.note().orElse(""));
        assertTrue(failure.step() > window + window / 16, "caught after the window: call " + failure.step());
        assertTrue(failure.note().isPresent(), "says the run dropped calls");
        assertTrue(
                failure.minimal().size() <= window + window / 16,
                "shrunk within the window: " + failure.minimal().size());
        assertTrue(failure.startsAfter() < failure.step());
        // a concurrent run's seed does not reproduce its order, so the calls before the window are never
        // decided again: the trace shrunk within the window either breaks it from boot too, or starts
        // after the dropped calls and says why (MinimalTrace); which one depends on the run's interleaving
        String note = failure.note().orElseThrow();
        assertTrue(!note.contains("decided again") && !note.contains("as recorded"), note);
        if (failure.startsAfter() == 0) {
            assertTrue(note.endsWith("shrunk within them, the trace breaks it from boot too"), note);
            assertTrue(
                    new TraceShrinker(run.topology(), Set.of(mutant))
                            .replay(
                                    failure.minimal(),
                                    failure.violations().getFirst().invariant())
                            .isPresent(),
                    "the minimal trace breaks it from boot");
        } else {
            assertTrue(
                    note.endsWith("shrunk within them from the state after call " + failure.startsAfter()
                            + ": a concurrent run's order is not reproduced by its seed"),
                    note);
            String text = SimReport.text(run);
            assertTrue(text.contains("from the state after call " + failure.startsAfter() + " of the run"), text);
        }
    }
}
