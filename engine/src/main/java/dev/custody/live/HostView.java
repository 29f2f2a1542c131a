package dev.custody.live;

import dev.custody.model.DeviceId;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.KernelState;
import java.util.Collection;
import java.util.Collections;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What sysfs showed of the host's PCI functions at one reading, keyed as the model keys devices
 * imported from a capture: by the function's address, {@code 0000:00:03.0}.
 *
 * <p>A <em>complete</em> view lists every function present on the host, so that a device it does not
 * list is absent. A partial view speaks only of the devices it lists (present or not), and says
 * nothing of the others: it is what a reading of the few devices an event concerned gives.
 */
public record HostView(SortedMap<DeviceId, HostDevice> devices, boolean complete) {

    public HostView {
        devices = Collections.unmodifiableSortedMap(new TreeMap<>(devices));
        devices.forEach((id, device) -> {
            if (!id.equals(device.id())) {
                throw new IllegalArgumentException("device " + device.id() + " filed under " + id);
            }
        });
    }

    public static HostView complete(Collection<HostDevice> devices) {
        return new HostView(byId(devices), true);
    }

    public static HostView partial(Collection<HostDevice> devices) {
        return new HostView(byId(devices), false);
    }

    /**
     * The model's state as sysfs would show it, complete: every device of the topology. A device
     * whose unbind waits for its VFIO fds shows no {@code driver} link, as the kernel removes the link
     * before the driver's remove() blocks (see {@code SysfsRules.view}).
     */
    public static HostView ofModel(KernelState model) {
        var devices = new TreeMap<DeviceId, HostDevice>();
        for (DeviceState device : model.devices().values()) {
            devices.put(device.id(), modelled(model, device));
        }
        return new HostView(devices, true);
    }

    private static HostDevice modelled(KernelState model, DeviceState device) {
        if (!device.present()) return HostDevice.absent(device.id());
        Optional<String> link = device.pending().isPresent() ? Optional.empty() : device.driver();
        OptionalInt group = model.spec(device.id())
                .group()
                .map(g -> OptionalInt.of(g.number()))
                .orElse(OptionalInt.empty());
        return new HostDevice(device.id(), true, link, device.override(), group);
    }

    /** What this view says of the device: listed, absent because unlisted in a complete view, or nothing. */
    public Optional<HostDevice> device(DeviceId id) {
        HostDevice listed = devices.get(id);
        if (listed != null) return Optional.of(listed);
        return complete ? Optional.of(HostDevice.absent(id)) : Optional.empty();
    }

    /** The devices this view shows present. */
    public Collection<HostDevice> present() {
        return devices.values().stream().filter(HostDevice::present).toList();
    }

    /** This view brought up to date with a later one: the later one's word wins for each device it speaks of. */
    public HostView updatedWith(HostView later) {
        if (later.complete) return later;
        var merged = new TreeMap<>(devices);
        merged.putAll(later.devices);
        return new HostView(merged, complete);
    }

    private static SortedMap<DeviceId, HostDevice> byId(Collection<HostDevice> devices) {
        var map = new TreeMap<DeviceId, HostDevice>();
        for (HostDevice device : devices) {
            if (map.put(device.id(), device) != null) {
                throw new IllegalArgumentException("device " + device.id() + " listed twice");
            }
        }
        return map;
    }
}
