package dev.custody.topology;

/** A vendor/device id pair, as in the config header (or the subsystem pair). */
public record PciIds(int vendor, int device) {

    public PciIds {
        if (vendor < 0 || vendor > 0xffff) throw new IllegalArgumentException("vendor id out of range: " + vendor);
        if (device < 0 || device > 0xffff) throw new IllegalArgumentException("device id out of range: " + device);
    }

    public boolean is(int vendorId, int deviceId) {
        return vendor == vendorId && device == deviceId;
    }

    @Override
    public String toString() {
        return "%04x:%04x".formatted(vendor, device);
    }
}
