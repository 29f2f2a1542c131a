package dev.custody.live;

import dev.custody.entity.HostPort;
import dev.custody.model.Command;
import dev.custody.model.state.KernelState;
import java.util.List;
import java.util.Optional;

/**
 * The changes a host shows, as the observations the coordinator follows: each the catalogue command that
 * makes the model follow it, described with how it was seen, and dropped when, by the time the
 * coordinator decides it, the model already shows what the host does (the engine's own call, seen
 * before its decision was recorded). A bind of a driver the model's topology does not know cannot be
 * followed and is left out; the log names it.
 */
final class HostObservations {
    private HostObservations() {}

    static List<HostPort.Observation> of(KernelState model, HostView host, String how) {
        return Reconciliation.differences(model, host).stream()
                .filter(change -> followable(model, change))
                .map(change -> observation(change, host, how))
                .toList();
    }

    static HostPort.Observation observation(ExternalChange change, HostView host, String how) {
        Optional<HostDevice> seen = host.device(change.device());
        HostView only = HostView.partial(seen.map(List::of).orElse(List.of()));
        return new HostPort.Observation(
                change.asCommand(),
                how + ": " + change.describe(),
                state -> Reconciliation.differences(state, only).contains(change));
    }

    /** The model can take the change as a command: its device is known, a bound driver is in its catalogue. */
    static boolean followable(KernelState model, ExternalChange change) {
        if (!model.topology().devices().containsKey(change.device())) {
            return false;
        }
        return !(change.asCommand() instanceof Command.DriverBind bind)
                || model.topology().drivers().containsKey(bind.driver());
    }
}
