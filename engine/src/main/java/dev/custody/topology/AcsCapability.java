package dev.custody.topology;

import java.util.EnumSet;
import java.util.Set;

/**
 * A function's ACS Extended Capability: which controls the hardware implements ({@code supported},
 * the capability register) and which are switched on ({@code enabled}, the control register).
 */
public record AcsCapability(Set<AcsFlag> supported, Set<AcsFlag> enabled) {

    public AcsCapability {
        supported = Set.copyOf(supported);
        enabled = Set.copyOf(enabled);
    }

    public static AcsCapability fromRegisters(int capability, int control) {
        return new AcsCapability(AcsFlag.fromBits(capability), AcsFlag.fromBits(control));
    }

    /** An ACS capability that supports and enables exactly the flags the kernel requires. */
    public static AcsCapability isolating() {
        return new AcsCapability(AcsFlag.REQUIRED_FOR_ISOLATION, AcsFlag.REQUIRED_FOR_ISOLATION);
    }

    /**
     * Whether every requested flag is on. A control the hardware does not implement counts as
     * hard-wired on, except egress control, which is always needed explicitly (kernel
     * pci_acs_flags_enabled).
     */
    public boolean allEnabled(Set<AcsFlag> requested) {
        var needed = EnumSet.noneOf(AcsFlag.class);
        for (var flag : requested) {
            if (supported.contains(flag) || flag == AcsFlag.EC) needed.add(flag);
        }
        return enabled.containsAll(needed);
    }

    public Set<AcsFlag> missing(Set<AcsFlag> requested) {
        var missing = EnumSet.noneOf(AcsFlag.class);
        for (var flag : requested) {
            if ((supported.contains(flag) || flag == AcsFlag.EC) && !enabled.contains(flag)) missing.add(flag);
        }
        return Set.copyOf(missing);
    }
}
