package dev.custody.nativeio.host;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Objects;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * One kernel uevent: {@code ACTION@DEVPATH} followed by its environment ({@code KEY=VALUE}).
 *
 * @param devpath the device's path under /sys, as in {@code /devices/pci0000:00/0000:00:03.0}
 * @param subsystem {@code SUBSYSTEM}, {@code pci} for a PCI function
 * @param driver {@code DRIVER}: the driver bound (bind) or being unbound (unbind), when the kernel names one
 * @param pciSlotName {@code PCI_SLOT_NAME}, the function's address {@code 0000:00:03.0}, on PCI events
 * @param seqnum {@code SEQNUM}, the kernel's counter of uevents; a gap means events were lost
 * @param variables every {@code KEY=VALUE} of the message, in its order
 */
public record Uevent(
        UeventAction action,
        String devpath,
        String subsystem,
        Optional<String> driver,
        Optional<String> pciSlotName,
        long seqnum,
        SequencedMap<String, String> variables) {

    public static final String PCI = "pci";

    public Uevent {
        Objects.requireNonNull(action);
        Objects.requireNonNull(devpath);
        Objects.requireNonNull(subsystem);
        Objects.requireNonNull(driver);
        Objects.requireNonNull(pciSlotName);
        variables = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(variables));
    }

    /** An event of a PCI function (not of a PCI bus, a driver or another subsystem's child device). */
    public boolean isPciFunction() {
        return subsystem.equals(PCI) && pciSlotName.isPresent();
    }

    public Optional<String> variable(String key) {
        return Optional.ofNullable(variables.get(key));
    }

    @Override
    public String toString() {
        return action.word() + "@" + devpath + " (seqnum " + seqnum + ")";
    }
}
