package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DriverName;
import dev.custody.model.DynamicId;
import dev.custody.model.PciDeviceIds;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The guided driver-core admin's dynamic ids: new_id and remove_id through sysfs, as driverctl and
 * pci-stub.ids do. Drawn seldom ({@link GuidedAction#rare}): one new_id of vfio-pci can attach every
 * unbound device of a kind at once, which is the race a stress run wants now and then, not always.
 */
final class GuidedDynamicIds {
    private GuidedDynamicIds() {}

    /** A driver the simulation's topologies do not register, and an id no device of theirs has. */
    private static final String UNREGISTERED = "ixgbe";

    private static final String NO_DEVICE_HAS = "1af4 1041";

    static List<GuidedAction> actions() {
        return List.of(
                GuidedAction.rare(
                        "DriverNewId",
                        p -> someDevicesIds(p)
                                .map(ids -> new Command.DriverNewId(
                                        managedDriver(p),
                                        p.random.nextInt(4) == 0 ? ids + " ffffffff ffffffff 0 0 0" : ids)),
                        p -> GuidedCast.some(
                                switch (p.random.nextInt(4)) {
                                    case 0 -> new Command.DriverNewId(managedDriver(p), "10d3"); // EINVAL
                                    case 1 -> new Command.DriverNewId(UNREGISTERED, "8086 10fb"); // ENOENT
                                    default ->
                                        ownDriversOwnIds(p) // EEXIST: its table matches
                                                .orElse(new Command.DriverNewId(managedDriver(p), "zz"));
                                })),
                GuidedAction.rare(
                        "DriverRemoveId",
                        p -> heldId(p),
                        p -> GuidedCast.some(new Command.DriverRemoveId(managedDriver(p), NO_DEVICE_HAS)))); // ENODEV
    }

    private static String managedDriver(Pick p) {
        return p.random.nextBoolean() ? "vfio-pci" : "pci-stub";
    }

    private static Optional<String> someDevicesIds(Pick p) {
        return p.device(d -> true).flatMap(d -> p.state.spec(d).pciIds()).map(GuidedDynamicIds::text);
    }

    /** A device's own driver with the device's ids: EEXIST, the driver already matches them. */
    private static Optional<Command<?>> ownDriversOwnIds(Pick p) {
        return p.device(d -> true).flatMap(d -> {
            var spec = p.state.spec(d);
            if (spec.pciIds().isEmpty() || spec.matches().isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Command.DriverNewId(
                    spec.matches().getFirst(), text(spec.pciIds().get())));
        });
    }

    /** A dynamic id some driver holds, removed by its vendor and device. */
    private static Optional<Command<?>> heldId(Pick p) {
        for (Map.Entry<DriverName, List<DynamicId>> held : p.state.dynamicIds().entrySet()) {
            if (!held.getValue().isEmpty()) {
                DynamicId id =
                        held.getValue().get(p.random.nextInt(held.getValue().size()));
                return GuidedCast.some(new Command.DriverRemoveId(
                        held.getKey().name(), "%04x %04x".formatted(id.vendor(), id.device())));
            }
        }
        return Optional.empty();
    }

    private static String text(PciDeviceIds ids) {
        return "%04x %04x".formatted(ids.vendor(), ids.device());
    }
}
