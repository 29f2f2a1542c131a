package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.invariants.Violation;
import dev.custody.model.DeviceId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A guided run calls the ownership entry points with wrong arguments on purpose and meets the checks
 * that refuse them, on a machine that also has a device no IOMMU translates; the correct rules hold.
 */
class GuidedOwnershipArgumentsTest {

    /** Every call of one guided run as "operation -> result: explanation", and its violations. */
    private static List<String> calls(long seed, long ops, List<Violation> violations) {
        SimSettings settings = new SimSettings(
                        seed, 32, ops, Optional.empty(), true, Optional.empty(), "none", Set.of(), 2, 2)
                .withSchedule(Schedule.GUIDED, SimSettings.DEFAULT_REFUSAL_SHARE);
        List<String> calls = new ArrayList<>();
        new Simulation(settings).run(n -> {}, DecisionObserver.eachCall(call -> {
            calls.add(call.command().getClass().getSimpleName() + " " + call.command() + " -> "
                    + call.outcome().resultName() + ": "
                    + call.outcome().explanation().orElse(""));
            violations.addAll(call.found());
        }));
        return calls;
    }

    private static boolean met(List<String> calls, String operation, String explanation) {
        return calls.stream().anyMatch(c -> c.startsWith(operation + " ") && c.contains(explanation));
    }

    @Test
    void aGuidedRunMeetsTheRefusalsOfWrongOwnershipArguments() {
        List<Violation> violations = new ArrayList<>();
        List<String> calls = calls(1, 20_000, violations);
        assertEquals(List.of(), violations);
        for (String[] refusal : new String[][] {
            {"HwptAlloc", "is not an IOAS"},
            {"CdevAttach", "is a device, not an IOAS or HWPT"},
            {"CdevBind", "came from a group"},
            {"Destroy", "is used by HWPT"},
            {"DeviceRelease", "holds no claim on group"},
            {"UnuseDefaultDomain", "holds no kernel DMA use"},
            {"DomainFree", "is not the caller's to free"},
            {"AttachShared", "is bound to a kernel DMA driver"},
            {"AttachDevice", "has no IOMMU group"},
            {"GetDeviceFd", "has no container or iommufd"},
        }) {
            assertTrue(met(calls, refusal[0], refusal[1]), refusal[0] + " never answered \"" + refusal[1] + "\"");
        }
    }

    @Test
    void theGuidedMachineHasADeviceNoIommuTranslates() {
        DeviceId untranslated = new DeviceId("0001:00:00.0");
        assertTrue(SimTopology.forRun(1, 8, Schedule.GUIDED).devices().containsKey(untranslated));
        assertTrue(SimTopology.forRun(1, 8, Schedule.GUIDED)
                .device(untranslated)
                .group()
                .isEmpty());
        assertEquals(SimTopology.generate(1, 8), SimTopology.forRun(1, 8, Schedule.RANDOM), "the random run's machine");
    }
}
