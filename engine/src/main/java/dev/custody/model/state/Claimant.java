package dev.custody.model.state;

import dev.custody.model.DeviceId;

/**
 * Who holds one unit of a group's owner_cnt. The kernel keeps only a counter; we keep who, so
 * that owner_cnt is derived, an unbalanced release is seen (the kernel's WARN), and invariants can
 * name the devices involved. A group-level claim (iommu_group_claim_dma_owner) is held by the group.
 */
public sealed interface Claimant extends Comparable<Claimant> {

    record OfDevice(DeviceId device) implements Claimant {}

    record OfGroup() implements Claimant {}

    Claimant GROUP = new OfGroup();

    static Claimant device(DeviceId id) {
        return new OfDevice(id);
    }

    @Override
    default int compareTo(Claimant other) {
        return sortKey().compareTo(other.sortKey());
    }

    private String sortKey() {
        return switch (this) {
            case OfGroup g -> "";
            case OfDevice d -> "d:" + d.device().name();
        };
    }

    default String describe() {
        return switch (this) {
            case OfGroup g -> "the group";
            case OfDevice d -> d.device().name();
        };
    }
}
