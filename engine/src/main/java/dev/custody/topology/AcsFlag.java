package dev.custody.topology;

import java.util.EnumSet;
import java.util.Set;

/** The bits of the ACS Capability and ACS Control registers (PCIe base spec, ACS Extended Capability). */
public enum AcsFlag {
    SV(0x01, "source validation"),
    TB(0x02, "translation blocking"),
    RR(0x04, "P2P request redirect"),
    CR(0x08, "P2P completion redirect"),
    UF(0x10, "upstream forwarding"),
    EC(0x20, "P2P egress control"),
    DT(0x40, "direct translated P2P");

    /** What pci_device_group requires for isolation: SV|RR|CR|UF (REQ_ACS_FLAGS). */
    public static final Set<AcsFlag> REQUIRED_FOR_ISOLATION = Set.copyOf(EnumSet.of(SV, RR, CR, UF));

    private final int bit;
    private final String description;

    AcsFlag(int bit, String description) {
        this.bit = bit;
        this.description = description;
    }

    public int bit() {
        return bit;
    }

    public String description() {
        return description;
    }

    public static Set<AcsFlag> fromBits(int bits) {
        var flags = EnumSet.noneOf(AcsFlag.class);
        for (var f : values()) {
            if ((bits & f.bit) != 0) flags.add(f);
        }
        return Set.copyOf(flags);
    }

    public static int toBits(Set<AcsFlag> flags) {
        int bits = 0;
        for (var f : flags) bits |= f.bit;
        return bits;
    }
}
