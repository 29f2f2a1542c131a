package dev.custody.model;

/**
 * A device's PCI vendor and device id (the config header's first two words), which is all a dynamic
 * id ({@link DynamicId}) can be matched against in the model. Written {@code "8086:10d3"}.
 */
public record PciDeviceIds(int vendor, int device) {
    public PciDeviceIds {
        if (vendor < 0 || vendor > 0xffff || device < 0 || device > 0xffff) {
            throw new IllegalArgumentException("PCI ids out of range: " + vendor + ":" + device);
        }
    }

    /** Reads {@code "vvvv:dddd"} (hex), as lspci -n prints it. */
    public static PciDeviceIds parse(String text) {
        String[] parts = text.trim().split(":", -1);
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException("PCI ids must read vendor:device in hex, not " + text);
        }
        try {
            return new PciDeviceIds(Integer.parseInt(parts[0], 16), Integer.parseInt(parts[1], 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("PCI ids must read vendor:device in hex, not " + text, e);
        }
    }

    @Override
    public String toString() {
        return "%04x:%04x".formatted(vendor, device);
    }
}
