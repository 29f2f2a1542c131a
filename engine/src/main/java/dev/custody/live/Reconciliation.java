package dev.custody.live;

import dev.custody.model.DeviceId;
import dev.custody.model.state.KernelState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What differs between the model and the host, as the changes that make the model follow. Pure.
 *
 * <p>The changes come in the order the model can take them: removals, then unbinds, then additions,
 * then overrides, then binds; within each kind by device. Unbinds go first so that a driver that moved
 * from one device of a group to another is released before it binds again, and overrides before binds
 * because the driver core refuses a bind that the override does not name. The list is computed against
 * one state: an added device probes drivers in the model as on the host, so a caller applies the list
 * in order, stops at the first refusal and reconciles again from the state it then has.
 */
public final class Reconciliation {

    /** The order of the kinds of change (see the class comment). */
    private static final List<Class<? extends ExternalChange>> ORDER = List.of(
            ExternalChange.DeviceRemoved.class,
            ExternalChange.DriverUnbound.class,
            ExternalChange.DeviceAdded.class,
            ExternalChange.OverrideChanged.class,
            ExternalChange.DriverBound.class);

    private Reconciliation() {}

    /**
     * How the host differs from the model, for the devices the model knows (see
     * {@link #unknownToModel} for the others). A partial view is compared only on the devices it lists.
     */
    public static List<ExternalChange> differences(KernelState model, HostView host) {
        Set<DeviceId> known = model.topology().devices().keySet();
        var knownOnHost = new TreeMap<DeviceId, HostDevice>();
        host.devices().forEach((id, device) -> {
            if (known.contains(id)) knownOnHost.put(id, device);
        });
        return differences(HostView.ofModel(model), new HostView(knownOnHost, host.complete()));
    }

    /** The devices present on the host that the model's topology does not have: the model cannot follow them. */
    public static List<DeviceId> unknownToModel(KernelState model, HostView host) {
        Set<DeviceId> known = model.topology().devices().keySet();
        return host.present().stream()
                .map(HostDevice::id)
                .filter(id -> !known.contains(id))
                .toList();
    }

    /** How {@code after} differs from {@code before}, for every device both speak of. */
    public static List<ExternalChange> differences(HostView before, HostView after) {
        var ids = new TreeSet<>(before.devices().keySet());
        ids.addAll(after.devices().keySet());
        var changes = new ArrayList<ExternalChange>();
        for (DeviceId id : ids) {
            Optional<HostDevice> was = before.device(id);
            Optional<HostDevice> now = after.device(id);
            if (was.isPresent() && now.isPresent()) changesOf(was.get(), now.get(), changes);
        }
        changes.sort(
                Comparator.comparingInt(change -> ORDER.indexOf(change.getClass()))); // stable: by device within a kind
        return List.copyOf(changes);
    }

    private static void changesOf(HostDevice was, HostDevice now, List<ExternalChange> changes) {
        DeviceId id = now.id();
        if (was.present() && !now.present()) {
            changes.add(new ExternalChange.DeviceRemoved(id)); // the model's removal unbinds and clears the override
            return;
        }
        if (!was.present() && !now.present()) return;
        if (!was.present()) changes.add(new ExternalChange.DeviceAdded(id));
        if (!was.driver().equals(now.driver())) {
            was.driver().ifPresent(driver -> changes.add(new ExternalChange.DriverUnbound(id, driver)));
            now.driver().ifPresent(driver -> changes.add(new ExternalChange.DriverBound(id, driver)));
        }
        if (!was.override().equals(now.override())) {
            changes.add(new ExternalChange.OverrideChanged(id, now.override()));
        }
    }
}
