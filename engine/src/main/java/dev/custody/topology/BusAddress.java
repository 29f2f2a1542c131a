package dev.custody.topology;

/** One PCI bus: its segment (domain) and bus number. */
public record BusAddress(int segment, int bus) implements Comparable<BusAddress> {

    public BusAddress {
        if (segment < 0 || segment > 0xffff) throw new IllegalArgumentException("segment out of range: " + segment);
        if (bus < 0 || bus > 0xff) throw new IllegalArgumentException("bus out of range: " + bus);
    }

    @Override
    public int compareTo(BusAddress other) {
        return Integer.compare(segment << 8 | bus, other.segment << 8 | other.bus);
    }

    @Override
    public String toString() {
        return "%04x:%02x".formatted(segment, bus);
    }
}
