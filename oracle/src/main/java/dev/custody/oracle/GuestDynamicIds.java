package dev.custody.oracle;

import dev.custody.model.DeviceSpec;
import dev.custody.model.DynamicId;
import dev.custody.model.PciDeviceIds;
import dev.custody.ops.NotRealisable;
import dev.custody.rules.HexFields;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A scenario's new_id or remove_id write as the guest agents' {@code id-write DRIVER FILE WORD...}
 * ({@code new-id DRIVER VENDOR DEVICE} for the plain two-field new_id). The write is faithful where
 * what the kernel matches it against is what the scenario says:
 *
 * <ul>
 *   <li>the driver is vfio-pci or pci-stub, which the guest has as themselves, or the native driver
 *       that plays the scenario's driver on every device the id names;
 *   <li>a new_id names no subsystem and no class (the scenario knows a device's vendor and device id
 *       only), so every layout device with those ids in the scenario has them in the guest and no
 *       other does;
 *   <li>a nonzero driver_data goes to vfio-pci or pci-stub only, whose tables the model knows
 *       (vfio-pci's holds 0, pci-stub has none); a native driver's table holds other values.
 * </ul>
 *
 * A write of fewer than two fields is refused by the kernel before it looks at any device, so only its
 * driver needs playing. Anything else is not realisable, named with its reason.
 */
public final class GuestDynamicIds {
    private GuestDynamicIds() {}

    /** The guest driver whose file the write goes to (live mode names drivers as the guest does). */
    public static String guestDriver(GuestLayout layout, String driver, String file, String text) throws NotRealisable {
        String line = line(layout, driver, file, text);
        return line.split(" ")[1];
    }

    static String line(GuestLayout layout, String driver, String file, String text) throws NotRealisable {
        if (!file.equals("new_id") && !file.equals("remove_id")) {
            throw new NotRealisable("the guest agents write no " + file);
        }
        String[] words = text.strip().split("\\s+");
        if (text.isBlank()) {
            throw new NotRealisable("the guest agents write no empty " + file);
        }
        List<Long> fields = HexFields.scan(text, file.equals("new_id") ? 7 : 6);
        boolean managed = GuestLayout.GUEST_MANAGED_DRIVERS.contains(driver);
        if (fields.size() < 2) {
            return write(
                    managed
                            ? driver
                            : nativelyPlayed(layout, driver, layout.devices().values(), false),
                    file,
                    words);
        }
        List<GuestDevice> named = file.equals("new_id") ? devicesNamed(layout, fields, managed) : List.of();
        // remove_id looks at the driver's dynamic ids only, so any device the driver is played on names it
        String guestDriver = managed
                ? driver
                : file.equals("new_id")
                        ? nativelyPlayed(layout, driver, named, true)
                        : nativelyPlayed(layout, driver, layout.devices().values(), false);
        if (file.equals("new_id") && fields.size() == 2 && words.length == 2) {
            return "new-id " + guestDriver + " " + "%04x %04x".formatted(fields.get(0), fields.get(1));
        }
        return write(guestDriver, file, words);
    }

    private static String write(String guestDriver, String file, String[] words) {
        return "id-write " + guestDriver + " " + file + " " + String.join(" ", words);
    }

    /**
     * The layout devices a new_id's fields name, after checking that the scenario and the guest agree
     * on which those are: no subsystem, class or driver_data the guest's tables would judge otherwise.
     */
    private static List<GuestDevice> devicesNamed(GuestLayout layout, List<Long> fields, boolean managed)
            throws NotRealisable {
        for (int at = 2; at < Math.min(fields.size(), 4); at++) {
            if ((int) (long) fields.get(at) != DynamicId.ANY) {
                throw new NotRealisable("a new_id naming a subsystem (" + Long.toHexString(fields.get(at))
                        + ") matches the guest's own subsystem ids, which the scenario does not give");
            }
        }
        if (fields.size() > 5 && fields.get(5) != 0) {
            throw new NotRealisable("a new_id with a class mask matches the guest's own class codes");
        }
        if (!managed && fields.size() > 4 && fields.get(4) != 0) {
            throw new NotRealisable("a new_id with a class may match a class entry of the native driver's table");
        }
        if (!managed && fields.size() > 6 && fields.get(6) != 0) {
            throw new NotRealisable("driver_data " + Long.toHexString(fields.get(6))
                    + " may be in the native driver's table, which the model knows only as 0");
        }
        if ((int) (long) fields.get(0) == DynamicId.ANY || (int) (long) fields.get(1) == DynamicId.ANY) {
            // it would match the guest's devices the scenario has no name for too: q35's own functions
            throw new NotRealisable("a new_id of any vendor or any device matches every device of the guest,"
                    + " q35's own functions among them, which the scenario does not have");
        }
        if (fields.get(0) > 0xffff || fields.get(1) > 0xffff) {
            return List.of(); // no device id has more than 16 bits, in the scenario or the guest
        }
        PciDeviceIds ids = new PciDeviceIds((int) (long) fields.get(0), (int) (long) fields.get(1));
        String guestIds = "%04x %04x".formatted(ids.vendor(), ids.device());
        List<GuestDevice> named = new ArrayList<>();
        for (GuestDevice device : layout.devices().values()) {
            DeviceSpec spec = layout.topology().device(device.scenarioName());
            boolean inScenario = spec.pciIds().equals(Optional.of(ids));
            boolean inGuest = device.kind().pciId().equals(Optional.of(guestIds));
            if (inScenario != inGuest) {
                throw new NotRealisable(device.scenarioName() + " is " + (inScenario ? "" : "not ") + ids
                        + " in the scenario but its guest device "
                        + device.kind().pciId().orElse("has no ids"));
            }
            if (inScenario) {
                named.add(device);
            }
        }
        return named;
    }

    /**
     * The guest's native driver that plays a kernel-DMA driver of the scenario: on every one of the
     * devices an id names ({@code every}), or on those of the layout it plays it on at all. Only a
     * device's own native driver is taken, never a stand-in of the oracle's test module.
     */
    private static String nativelyPlayed(
            GuestLayout layout, String driver, Collection<GuestDevice> devices, boolean every) throws NotRealisable {
        TreeSet<String> played = new TreeSet<>();
        for (GuestDevice device : devices) {
            String guest = layout.guestDriver(device.scenarioName(), driver);
            if (device.playedDriver().equals(Optional.of(driver))
                    && device.kind().nativeDriver().equals(Optional.of(guest))) {
                played.add(guest);
            } else if (every) {
                throw new NotRealisable(device.scenarioName() + " is driven in the guest by "
                        + device.kind().nativeDriver().orElse("no driver") + ", which does not play " + driver);
            }
        }
        if (played.size() != 1) {
            throw new NotRealisable(driver + " is played by " + (played.isEmpty() ? "no guest driver" : played)
                    + (devices.isEmpty() ? " on a device of these ids (none has them)" : ""));
        }
        return played.first();
    }
}
