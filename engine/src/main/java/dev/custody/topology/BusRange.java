package dev.custody.topology;

/** A bridge's secondary (directly below it) and subordinate (highest below it) bus numbers. */
public record BusRange(int secondary, int subordinate) {

    public BusRange {
        if (secondary < 0 || secondary > 0xff)
            throw new IllegalArgumentException("secondary bus out of range: " + secondary);
        if (subordinate < secondary || subordinate > 0xff) {
            throw new IllegalArgumentException(
                    "subordinate bus %d below secondary %d".formatted(subordinate, secondary));
        }
    }

    public boolean contains(int bus) {
        return bus >= secondary && bus <= subordinate;
    }
}
