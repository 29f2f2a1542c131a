package dev.custody.topology;

import java.util.Objects;
import java.util.Set;

/**
 * Knobs that bend group formation away from the kernel's default; each changes only what it names.
 *
 * @param trustMultifunctionIsolation when false, all functions of a slot share a group (B:D, not
 *                                    B:D.F) whatever their ACS says
 * @param groupByBus                  when true, every function on one bus shares a group
 * @param acsOverride                 functions whose ACS counts as enabled whatever the hardware
 *                                    says, like the out-of-tree pcie_acs_override patch; unsafe
 */
public record GroupingPolicy(boolean trustMultifunctionIsolation, boolean groupByBus, Set<PciAddress> acsOverride) {

    /** Exactly what the kernel does. */
    public static final GroupingPolicy KERNEL = new GroupingPolicy(true, false, Set.of());

    public GroupingPolicy {
        acsOverride = Set.copyOf(Objects.requireNonNull(acsOverride, "acsOverride"));
    }

    public GroupingPolicy withTrustMultifunctionIsolation(boolean trust) {
        return new GroupingPolicy(trust, groupByBus, acsOverride);
    }

    public GroupingPolicy withGroupByBus(boolean byBus) {
        return new GroupingPolicy(trustMultifunctionIsolation, byBus, acsOverride);
    }

    public GroupingPolicy withAcsOverride(Set<PciAddress> devices) {
        return new GroupingPolicy(trustMultifunctionIsolation, groupByBus, devices);
    }
}
