package dev.custody.live;

import dev.custody.entity.HostPort;
import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
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

    /**
     * The files a recovered journal says are open, closed: a new process has none of the descriptors the
     * previous one held (the kernel closed them when it died, releasing what they held), so the model
     * follows that. Device files first, then groups, containers and iommufds, as their holders' close
     * order would have it.
     */
    static List<HostPort.Observation> lostDescriptors(KernelState recovered) {
        return recovered.files().values().stream()
                .filter(OpenFile::fdOpen)
                .sorted(java.util.Comparator.comparingInt(HostObservations::closeOrder)
                        .thenComparing(OpenFile::id))
                .map(file -> new HostPort.Observation(
                        new Command.Close(new Handle.File(file.id())),
                        "at start: " + kind(file) + " \"" + file.label() + "\" (fd "
                                + file.id().number()
                                + ") was held by the engine's previous process, and its descriptor went with it",
                        state -> state.file(file.id()).map(OpenFile::fdOpen).orElse(false)))
                .toList();
    }

    private static int closeOrder(OpenFile file) {
        return switch (file) {
            case OpenFile.VfioDeviceFile d -> 0;
            case OpenFile.CdevFile c -> 0;
            case OpenFile.VfioGroupFile g -> 1;
            case OpenFile.VfioContainer c -> 2;
            case OpenFile.IommufdFile i -> 3;
        };
    }

    private static String kind(OpenFile file) {
        return switch (file) {
            case OpenFile.VfioDeviceFile d -> "the VFIO device file";
            case OpenFile.CdevFile c -> "the VFIO cdev";
            case OpenFile.VfioGroupFile g -> "the VFIO group file";
            case OpenFile.VfioContainer c -> "the VFIO container";
            case OpenFile.IommufdFile i -> "the iommufd";
        };
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
