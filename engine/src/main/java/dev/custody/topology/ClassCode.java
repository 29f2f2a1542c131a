package dev.custody.topology;

/** The 24-bit class code (base class, sub-class, programming interface), e.g. 0x060400 for a PCI bridge. */
public record ClassCode(int value) {

    public static final ClassCode HOST_BRIDGE = new ClassCode(0x060000);
    public static final ClassCode PCI_BRIDGE = new ClassCode(0x060400);

    public ClassCode {
        if (value < 0 || value > 0xffffff) throw new IllegalArgumentException("class code out of range: " + value);
    }

    public int baseClass() {
        return value >> 16;
    }

    public int subClass() {
        return value >> 8 & 0xff;
    }

    public boolean isHostBridge() {
        return value >> 8 == 0x0600;
    }

    @Override
    public String toString() {
        return "0x%06x".formatted(value);
    }
}
