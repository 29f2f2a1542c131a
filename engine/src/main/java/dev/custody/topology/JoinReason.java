package dev.custody.topology;

/**
 * Why a function ended up in its group: each step of pci_device_group or policy knob that
 * decided something about it, in the order they happened. {@link #describe()} is the human text.
 */
public sealed interface JoinReason {

    String describe();

    /** Step 5: nothing to share with, so a new group was allocated. */
    record NewGroup(int group) implements JoinReason {
        public String describe() {
            return "no group to share: allocated group " + group;
        }
    }

    /** Step 1: an upstream bridge takes over this function's requester ID, and it is grouped already. */
    record BehindAliasingBridge(PciAddress bridge, DeviceKind kind, PciAddress requesterId, boolean pcieBridgeQuirk)
            implements JoinReason {
        public String describe() {
            var quirk = pcieBridgeQuirk ? ", PCIe bridge alias quirk" : "";
            return "behind %s %s (its requests appear as %s%s)"
                    .formatted(kind.description(), bridge.shortName(), requesterId.shortName(), quirk);
        }
    }

    /** Step 2: the bridge above has no ACS-isolated path to the root, so isolation starts above it. */
    record NoAcsPathAtBridge(PciAddress bridge, DeviceKind kind, PciAddress failing, String grounds)
            implements JoinReason {
        public String describe() {
            var where = failing.equals(bridge) ? grounds : failing.shortName() + ": " + grounds;
            return "%s %s has no ACS path to the root (%s)".formatted(kind.description(), bridge.shortName(), where);
        }
    }

    /** Step 3: a DMA alias quirk ties two functions on one bus together. */
    record DmaAliasQuirkMatch(PciAddress aliasing, PciAddress aliased, String quirk) implements JoinReason {
        public String describe() {
            return "DMA alias quirk %s: %s issues DMA as %s"
                    .formatted(quirk, aliasing.shortName(), aliased.shortName());
        }
    }

    /** Step 4: functions of one slot, neither isolated by ACS. */
    record MultifunctionSlotWithoutAcs(String slot, PciAddress peer) implements JoinReason {
        public String describe() {
            return "multifunction slot %s without ACS (with %s)".formatted(slot, peer.shortName());
        }
    }

    /** Policy: multifunction isolation is not trusted, so a slot is one group. */
    record SlotGroupedByPolicy(String slot, PciAddress peer) implements JoinReason {
        public String describe() {
            return "policy: multifunction isolation not trusted, slot %s is one group (with %s)"
                    .formatted(slot, peer.shortName());
        }
    }

    /** Policy: every function on a bus shares a group. */
    record BusGroupedByPolicy(BusAddress bus, PciAddress peer) implements JoinReason {
        public String describe() {
            return "policy: group by bus, bus %s is one group (with %s)".formatted(bus, peer.shortName());
        }
    }

    /** A device-specific ACS quirk made a function count as isolated. */
    record IsolatedByAcsQuirk(PciAddress device, String grounds) implements JoinReason {
        public String describe() {
            return "%s counts as isolated: %s".formatted(device.shortName(), grounds);
        }
    }

    /** The policy's ACS override made a function count as isolated; the hardware may disagree. */
    record IsolatedByAcsOverride(PciAddress device) implements JoinReason {
        public String describe() {
            return "UNSAFE: ACS override treats %s as isolated; the hardware does not guarantee it"
                    .formatted(device.shortName());
        }
    }
}
