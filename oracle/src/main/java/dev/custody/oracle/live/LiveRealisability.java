package dev.custody.oracle.live;

import dev.custody.model.DeviceSpec;
import dev.custody.ops.Caller;
import dev.custody.ops.NotRealisable;
import dev.custody.ops.Operations;
import dev.custody.oracle.GuestLayout;
import dev.custody.oracle.GuestScript;
import dev.custody.scenario.Scenario;
import java.util.List;
import java.util.Optional;

/**
 * Why a scenario cannot run through the live engine, before any VM boots. Beyond what the oracle's VM
 * cannot realise at all ({@link GuestLayout}, {@link GuestScript}): in-kernel calls, which only the
 * oracle's test module makes and no control process performs; drivers the test module plays, which the
 * live engine's host does not have; devices absent at the start, which the engine cannot import.
 */
public final class LiveRealisability {
    private LiveRealisability() {}

    /** Why the scenario is not live-realisable; empty when it is. */
    public static Optional<String> why(Scenario scenario) {
        List<String> inKernel = scenario.steps().stream()
                .filter(s -> !s.op().equals("state"))
                .filter(s -> Operations.find(s.op()).orElseThrow().caller() != Caller.USER_SPACE)
                .map(s -> s.number() + " (" + s.op() + ")")
                .toList();
        if (!inKernel.isEmpty()) {
            return Optional.of("steps " + String.join(", ", inKernel) + " are in-kernel calls, which need the"
                    + " oracle's test module and are not operations a control process performs");
        }
        GuestLayout layout;
        try {
            layout = GuestLayout.of(scenario);
            GuestScript.of(scenario, layout);
        } catch (NotRealisable why) {
            return Optional.of(why.getMessage());
        }
        if (layout.usesTestModule()) {
            return Optional.of("its drivers are played in the guest by the oracle's test module, which the live"
                    + " engine's host does not have");
        }
        List<String> absent = layout.topology().devices().values().stream()
                .filter(d -> !d.present())
                .map(DeviceSpec::id)
                .map(Object::toString)
                .toList();
        if (!absent.isEmpty()) {
            return Optional.of("devices " + String.join(", ", absent)
                    + " are absent at the start, and the live engine imports only what the host shows");
        }
        return Optional.empty();
    }
}
