package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.event.FileEvent;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.KernelState;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The guided run's map/unmap calls carry the arguments a stress tester draws, so short runs meet the
 * refusals only such arguments reach: an IOAS unmap that cuts an area after removing the ones below
 * it, ULONG_MAX and wrapping ranges, a bisected type1 entry, iommu_map on a domain that is not the
 * caller's, too small an IOVA_RANGES buffer, an allowed list over a reserved range, no room to place a
 * mapping, an IOAS copy from a hole or onto an area; and none of it breaks an invariant. Some of these
 * refusals come a handful of times in a run, so whether one seed meets each hangs on its draws; what
 * the guided agents are claimed to do is draw those arguments, which the runs of three seeds together
 * show, each of them also holding every invariant.
 */
class GuidedMappingArgumentsTest {

    private static final long OPS = 20000;

    private static final List<Long> SEEDS = List.of(1L, 2L, 3L);

    @Test
    void guidedRunsMeetTheRefusalsOfMalformedAndMisplacedRanges() {
        Set<String> met = new TreeSet<>();
        for (long seed : SEEDS) {
            SimSettings settings = new SimSettings(
                            seed, 32, OPS, Optional.empty(), true, Optional.empty(), "none", Set.of(), 2, 2)
                    .withSchedule(Schedule.GUIDED, SimSettings.DEFAULT_REFUSAL_SHARE);
            SimResult result = new Simulation(settings)
                    .run(
                            n -> {},
                            DecisionObserver.eachCall(call ->
                                    met.add(describe(call.command(), call.outcome(), call.before(), call.events()))));
            assertTrue(
                    result.violation().isEmpty(), "the correct rules hold on seed " + seed + ": " + result.violation());
        }
        for (String expected : List.of(
                "IoasUnmap ENOENT after a partial unmap",
                "IoasUnmap EOVERFLOW",
                "IoasMap EOVERFLOW",
                "IoasMap EEXIST",
                "IoasMap ENOSPC",
                "IoasCopy ENOENT",
                "IoasCopy EEXIST",
                "IoasIovaRanges EMSGSIZE",
                "IoasAllowIovas EADDRINUSE",
                "Type1MapDma EEXIST",
                "Type1UnmapDma EINVAL bisecting an entry",
                "IommuMap EINVAL on a domain not the caller's",
                "IommuMap EEXIST")) {
            assertTrue(
                    met.contains(expected),
                    expected + " not met in " + OPS + " guided calls of each of seeds " + SEEDS + ": " + met);
        }
    }

    private static String describe(
            Command<?> command, Outcome<?> outcome, KernelState before, List<KernelEvent> events) {
        String op = command.getClass().getSimpleName();
        String result = outcome.resultName();
        if (command instanceof Command.IoasUnmap
                && !outcome.isOk()
                && events.stream().anyMatch(e -> e instanceof FileEvent.IoasAreasUnmapped)) {
            return op + " " + result + " after a partial unmap";
        }
        if (command instanceof Command.Type1UnmapDma
                && !outcome.isOk()
                && outcome.explanation().orElse("").contains("bisects")) {
            return op + " " + result + " bisecting an entry";
        }
        if (command instanceof Command.IommuMap map
                && map.domain() instanceof Handle.Domain d
                && before.domains().containsKey(d.id())
                && !(before.domain(d.id()).use() instanceof DomainUse.KernelCaller)) {
            return op + " " + result + " on a domain not the caller's";
        }
        return op + " " + result;
    }
}
