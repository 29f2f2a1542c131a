package dev.custody.topology;

import java.util.regex.Pattern;

/**
 * A PCI function address as Linux names it, {@code 0000:00:03.1}: segment (domain), bus, device
 * (slot) and function. Ordered the way the kernel walks a bus: by devfn within a bus.
 */
public record PciAddress(int segment, int bus, int device, int function) implements Comparable<PciAddress> {

    private static final Pattern FORM =
            Pattern.compile("(?:([0-9a-fA-F]{4,8}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7])");

    public PciAddress {
        if (segment < 0 || segment > 0xffff) throw new IllegalArgumentException("segment out of range: " + segment);
        if (bus < 0 || bus > 0xff) throw new IllegalArgumentException("bus out of range: " + bus);
        if (device < 0 || device > 0x1f) throw new IllegalArgumentException("device out of range: " + device);
        if (function < 0 || function > 7) throw new IllegalArgumentException("function out of range: " + function);
    }

    /** Parses {@code 0000:00:03.1} or the short form {@code 00:03.1} (segment 0). */
    public static PciAddress parse(String text) {
        var m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a PCI address (want 0000:00:03.1): '" + text + "'");
        }
        int segment = m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16);
        return new PciAddress(
                segment,
                Integer.parseInt(m.group(2), 16),
                Integer.parseInt(m.group(3), 16),
                Integer.parseInt(m.group(4), 16));
    }

    /** The 8-bit device/function number the requester ID carries. */
    public int devfn() {
        return device << 3 | function;
    }

    public BusAddress busAddress() {
        return new BusAddress(segment, bus);
    }

    public PciAddress withDevfn(int devfn) {
        return new PciAddress(segment, bus, devfn >> 3, devfn & 7);
    }

    /** The slot this function sits in, as {@code 00:03} (the B:D of B:D.F). */
    public String slotName() {
        return "%02x:%02x".formatted(bus, device);
    }

    /** Short form {@code 00:03.1}, used in explanations. */
    public String shortName() {
        return "%02x:%02x.%x".formatted(bus, device, function);
    }

    @Override
    public String toString() {
        return "%04x:%02x:%02x.%x".formatted(segment, bus, device, function);
    }

    @Override
    public int compareTo(PciAddress other) {
        return Integer.compare(packed(), other.packed());
    }

    private int packed() {
        return segment << 16 | bus << 8 | devfn();
    }
}
