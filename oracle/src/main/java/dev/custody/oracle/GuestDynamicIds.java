package dev.custody.oracle;

import dev.custody.model.DeviceSpec;
import dev.custody.model.PciDeviceIds;
import dev.custody.ops.NotRealisable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A scenario's new_id as the guest agents' {@code new-id DRIVER VENDOR DEVICE}. The write is faithful
 * only where the guest's devices carry the scenario's ids: every device of the layout with those ids
 * in the scenario has them in the guest and no other does, and the scenario's driver is played by one
 * guest driver on all of them. Anything else (remove_id, subsystem or class fields, ids the guest
 * devices do not have) is not realisable, named with its reason.
 */
final class GuestDynamicIds {
    private static final Pattern HEX = Pattern.compile("(0[xX])?[0-9a-fA-F]{1,4}");

    private GuestDynamicIds() {}

    static String line(GuestLayout layout, String driver, String file, String text) throws NotRealisable {
        if (!file.equals("new_id")) {
            throw new NotRealisable("the guest agents write no " + file);
        }
        String[] fields = text.strip().split("\\s+");
        if (fields.length != 2
                || !HEX.matcher(fields[0]).matches()
                || !HEX.matcher(fields[1]).matches()) {
            throw new NotRealisable("the guest agents' new-id writes a vendor and a device only, not \"" + text + "\"");
        }
        PciDeviceIds ids = new PciDeviceIds(hex(fields[0]), hex(fields[1]));
        String guestIds = "%04x %04x".formatted(ids.vendor(), ids.device());
        List<GuestDevice> matched = new ArrayList<>();
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
                matched.add(device);
            }
        }
        if (GuestLayout.GUEST_MANAGED_DRIVERS.contains(driver)) {
            return "new-id " + driver + " " + guestIds;
        }
        TreeSet<String> played = new TreeSet<>();
        for (GuestDevice device : matched) {
            played.add(layout.guestDriver(device.scenarioName(), driver));
        }
        if (played.size() != 1) {
            throw new NotRealisable(driver + " is played by " + (played.isEmpty() ? "no guest driver" : played)
                    + " on the devices with ids " + ids);
        }
        return "new-id " + played.first() + " " + guestIds;
    }

    private static int hex(String field) {
        return Integer.parseInt(field.startsWith("0x") || field.startsWith("0X") ? field.substring(2) : field, 16);
    }
}
