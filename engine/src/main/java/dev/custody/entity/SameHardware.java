package dev.custody.entity;

import dev.custody.model.DeviceSpec;
import dev.custody.model.Topology;
import java.util.Optional;

/**
 * Whether a live host is still the machine its journal was begun on: the same IOMMUs and the same PCI
 * devices in the same groups. Which driver each device has, and whether it is plugged in, are the host's
 * state, not its hardware; live host mode reconciles them after the start. Which drivers' id tables
 * match a device is software too (a module loaded since adds one): the journal keeps what it began with.
 */
final class SameHardware {
    private SameHardware() {}

    static boolean of(Topology recorded, Topology live) {
        return recorded.iommus().equals(live.iommus())
                && recorded.devices().keySet().equals(live.devices().keySet())
                && recorded.devices().values().stream()
                        .allMatch(d -> hardware(d).equals(hardware(live.device(d.id()))));
    }

    private static DeviceSpec hardware(DeviceSpec device) {
        return new DeviceSpec(
                device.id(),
                device.iommu(),
                device.group(),
                java.util.List.of(),
                device.requireDirect(),
                true,
                Optional.empty());
    }
}
