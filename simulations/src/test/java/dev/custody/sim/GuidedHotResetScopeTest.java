package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.rules.HotResetRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The guided VMM that seeks a hot reset through a cdev below the bridge ({@link GuidedHotResetScope})
 * reaches the states the reset's iommufd form tells apart: hot_reset_info on a bound cdev answering
 * devids, among them a device bound to the same iommufd as the caller, a device owned only through its
 * group, and a device not owned (DEV_ID_OWNED withheld); the reset refused for a device its iommufd does
 * not own, and for a group fd passed with a cdev. Each of three seeds asks the cdev form on its own
 * (before this VMM, seed 1 never did); the finer states are pooled over the three, as whether one seed
 * meets each hangs on its draws. Every run holds every invariant.
 */
class GuidedHotResetScopeTest {

    private static final long OPS = 20000;

    private static final List<Long> SEEDS = List.of(1L, 2L, 3L);

    /** What each seed's run meets on its own. */
    private static final List<String> EVERY_SEED =
            List.of("info on a cdev", "reset on a cdev EINVAL: a device its iommufd does not own");

    @Test
    void guidedRunsReachTheCdevHotResetStates() {
        Set<String> met = new TreeSet<>();
        for (long seed : SEEDS) {
            SimSettings settings = new SimSettings(
                            seed, 32, OPS, Optional.empty(), true, Optional.empty(), "none", Set.of(), 2, 2)
                    .withSchedule(Schedule.GUIDED, SimSettings.DEFAULT_REFUSAL_SHARE);
            Set<String> metOnSeed = new TreeSet<>();
            SimResult result = new Simulation(settings)
                    .run(
                            n -> {},
                            DecisionObserver.eachCall(
                                    call -> metOnSeed.addAll(describe(call.command(), call.outcome(), call.before()))));
            assertTrue(
                    result.violation().isEmpty(), "the correct rules hold on seed " + seed + ": " + result.violation());
            // reached by design, not by a seed's luck: every seed asks the cdev form
            for (String expected : EVERY_SEED) {
                assertTrue(
                        metOnSeed.contains(expected),
                        expected + " not met in " + OPS + " guided calls of seed " + seed + ": " + metOnSeed);
            }
            met.addAll(metOnSeed);
        }
        for (String expected : List.of(
                "info on a cdev",
                "info on a cdev: another device bound to its iommufd",
                "info on a cdev: a device owned through its group",
                "info on a cdev: a device not owned",
                "reset on a cdev EINVAL: a device its iommufd does not own",
                "reset on a cdev EINVAL: group fds passed")) {
            assertTrue(
                    met.contains(expected),
                    expected + " not met in " + OPS + " guided calls of each of seeds " + SEEDS + ": " + met);
        }
    }

    private static List<String> describe(Command<?> command, Outcome<?> outcome, KernelState before) {
        switch (command) {
            case Command.PciHotResetInfo info
            when isCdev(before, info.fd())
                    && outcome instanceof Outcome.Ok<?> ok
                    && ok.value() instanceof Reply.HotResetInfo answer -> {
                List<String> found = new ArrayList<>(List.of("info on a cdev"));
                if (answer.devids().stream().filter(d -> d > 0).count() > 1) {
                    found.add("info on a cdev: another device bound to its iommufd");
                }
                if (answer.devids().contains(0)) {
                    found.add("info on a cdev: a device owned through its group");
                }
                if (answer.devids().contains(-1) && !answer.flags().contains(HotResetRules.FLAG_DEV_ID_OWNED)) {
                    found.add("info on a cdev: a device not owned");
                }
                return found;
            }
            case Command.PciHotReset reset
            when isCdev(before, reset.fd()) && outcome instanceof Outcome.Failed<?> failed -> {
                if (failed.reason().contains("does not own")) {
                    return List.of("reset on a cdev " + failed.errno() + ": a device its iommufd does not own");
                }
                if (failed.reason().contains("group fd array must be empty")) {
                    return List.of("reset on a cdev " + failed.errno() + ": group fds passed");
                }
                return List.of();
            }
            default -> {
                return List.of();
            }
        }
    }

    private static boolean isCdev(KernelState state, Handle fd) {
        return fd instanceof Handle.File file
                && state.file(file.id())
                        .filter(OpenFile.CdevFile.class::isInstance)
                        .isPresent();
    }
}
