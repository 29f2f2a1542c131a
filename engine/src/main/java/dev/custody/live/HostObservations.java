package dev.custody.live;

import dev.custody.entity.HostPort;
import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The changes a host shows, as the observations the coordinator follows: each the catalogue command that
 * makes the model follow it, described with how it was seen, and dropped when, by the time the
 * coordinator decides it, the host no longer shows it against the model. A bind of a driver the model's
 * topology does not know cannot be followed and is left out; the log names it.
 *
 * <p>Whether it is still needed is judged on the device read again when the coordinator decides it, not
 * on the reading it was seen in. The coordinator carries the engine's own calls out in decision order,
 * so at that moment the model and the host agree on every call made; the reading the change was seen in
 * may be older than calls the engine made after it, and following it would undo them in the model (an
 * override written, then written again by the engine, came back as the first value; a probe's bind was
 * then not in the model, and the next unbind was refused while the kernel had the device bound).
 */
final class HostObservations {
    private static final Logger LOG = LoggerFactory.getLogger("dev.custody.live");

    private HostObservations() {}

    static List<HostPort.Observation> of(KernelState model, HostView host, HostSysfs sysfs, String how) {
        return Reconciliation.differences(model, host).stream()
                .filter(change -> followable(model, change))
                .map(change -> observation(change, host, sysfs, how))
                .toList();
    }

    /**
     * {@code change}, seen in {@code host}, as an observation still needed while the device, read again from
     * {@code sysfs} as it is decided, shows it against the model. When that reading fails, the one it was seen
     * in stands (the change is then judged as it was seen).
     */
    static HostPort.Observation observation(ExternalChange change, HostView host, HostSysfs sysfs, String how) {
        Optional<HostDevice> seen = host.device(change.device());
        HostView asSeen = HostView.partial(seen.map(List::of).orElse(List.of()));
        return new HostPort.Observation(
                change.asCommand(),
                how + ": " + change.describe(),
                state -> Reconciliation.differences(state, readAgain(sysfs, change, asSeen))
                        .contains(change));
    }

    private static HostView readAgain(HostSysfs sysfs, ExternalChange change, HostView asSeen) {
        try {
            return sysfs.read(List.of(change.device()));
        } catch (RuntimeException e) {
            LOG.warn(
                    "reading {} again failed ({}); {} is judged as it was seen",
                    change.device(),
                    e.getMessage(),
                    change.describe());
            return asSeen;
        }
    }

    /**
     * The files a recovered journal says are open, closed: a new process has none of the descriptors the
     * previous one held (the kernel closed them when it died, releasing what they held), so the model
     * follows that; except those {@code keptOut}, whose descriptors a holder's process took and may still
     * hold (it gives them back, or says it closed them, over the socket). Device files first, then groups, containers and iommufds, as their holders' close
     * order would have it.
     */
    static List<HostPort.Observation> lostDescriptors(
            KernelState recovered, java.util.function.Predicate<dev.custody.model.FileId> keptOut) {
        return recovered.files().values().stream()
                .filter(OpenFile::fdOpen)
                .filter(file -> !keptOut.test(file.id()))
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

    static String kind(OpenFile file) {
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
