package dev.custody.live;

import dev.custody.model.Command;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DynamicId;
import dev.custody.model.PciDeviceIds;
import dev.custody.model.Topology;
import dev.custody.rules.HexFields;
import java.util.List;
import java.util.Optional;

/**
 * Whether a dynamic id may be written on a live host. A new_id makes the kernel attach every unbound
 * device the id matches, named nowhere in the command, so the allow-list is asked about those devices:
 * every host device with the written vendor and device, bound or not (its driver may go while the write
 * is on its way), must be allowed. The engine knows a host device's vendor and device (from its
 * modalias) but not its subsystem or class, so a new_id that names either is refused: which devices it
 * attaches cannot be told. A write of fewer than two fields attaches nothing (the kernel refuses it),
 * and a remove_id unbinds nothing, so both go through.
 */
final class DynamicIdsGate {
    private DynamicIdsGate() {}

    static Optional<String> refusal(Topology topology, AllowList allowed, Command<?> command) {
        if (!(command instanceof Command.DriverNewId newId)) {
            return Optional.empty();
        }
        List<Long> fields = HexFields.scan(newId.id(), 7);
        if (fields.size() < 2) {
            return Optional.empty();
        }
        boolean subsystem = fields.size() > 2 && (int) (long) fields.get(2) != DynamicId.ANY
                || fields.size() > 3 && (int) (long) fields.get(3) != DynamicId.ANY;
        boolean classMask = fields.size() > 5 && fields.get(5) != 0;
        if (subsystem || classMask) {
            return Optional.of("a new_id naming a " + (subsystem ? "subsystem" : "class")
                    + " is not carried out on a live host: which devices it attaches cannot be told");
        }
        DynamicId id = new DynamicId(
                (int) (long) fields.get(0), (int) (long) fields.get(1), DynamicId.ANY, DynamicId.ANY, 0, 0, 0);
        List<String> outside = topology.devices().values().stream()
                .filter(device -> mayMatch(device, id))
                .filter(device -> !allowed.allows(topology, device.id()))
                .map(device -> device.id().name() + (device.pciIds().isEmpty() ? " (its ids unknown)" : ""))
                .toList();
        if (outside.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("new_id " + newId.id().strip() + " of " + newId.driver() + " would attach "
                + String.join(", ", outside) + ", outside the allow-list (" + allowed + ")");
    }

    /** A device the id matches, or one whose ids the engine does not know, which it might. */
    private static boolean mayMatch(DeviceSpec device, DynamicId id) {
        Optional<PciDeviceIds> ids = device.pciIds();
        return ids.isEmpty() || id.matches(ids.get());
    }
}
