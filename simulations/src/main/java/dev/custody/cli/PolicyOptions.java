package dev.custody.cli;

import dev.custody.topology.GroupingPolicy;
import dev.custody.topology.PciAddress;
import dev.custody.topology.host.HostInputException;
import java.util.HashSet;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --policy KNOB}: the grouping knobs of {@link GroupingPolicy}; none given means the kernel's. */
final class PolicyOptions {

    static final String SLOT_GROUPS = "untrusted-multifunction";
    static final String BUS_GROUPS = "group-by-bus";
    static final String ACS_OVERRIDE = "acs-override=";

    @Option(
            names = "--policy",
            paramLabel = "KNOB",
            description = {
                "Depart from the kernel's grouping (repeatable): " + SLOT_GROUPS
                        + " (a slot is one group, B:D not B:D.F),",
                BUS_GROUPS + " (a bus is one group), " + ACS_OVERRIDE
                        + "ADDRESS (UNSAFE: treat that function's ACS as enabled)."
            })
    List<String> knobs = List.of();

    GroupingPolicy policy() {
        var policy = GroupingPolicy.KERNEL;
        var override = new HashSet<PciAddress>();
        for (var knob : knobs) {
            if (knob.equals(SLOT_GROUPS)) {
                policy = policy.withTrustMultifunctionIsolation(false);
            } else if (knob.equals(BUS_GROUPS)) {
                policy = policy.withGroupByBus(true);
            } else if (knob.startsWith(ACS_OVERRIDE)) {
                try {
                    override.add(PciAddress.parse(knob.substring(ACS_OVERRIDE.length())));
                } catch (IllegalArgumentException e) {
                    throw new HostInputException("--policy", "acs-override", e.getMessage());
                }
            } else {
                throw new HostInputException(
                        "--policy",
                        knob,
                        "unknown knob (known: %s, %s, %sADDRESS)".formatted(SLOT_GROUPS, BUS_GROUPS, ACS_OVERRIDE));
            }
        }
        return policy.withAcsOverride(override);
    }

    /** A warning for output when the policy trusts ACS the hardware does not provide. */
    static List<String> unsafeNotes(GroupingPolicy policy) {
        return policy.acsOverride().stream()
                .sorted()
                .map(a -> "UNSAFE: ACS override for " + a + ": groups may be smaller than the hardware isolates")
                .toList();
    }
}
