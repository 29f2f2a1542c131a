package dev.custody.model.state;

import dev.custody.model.DomainId;
import java.util.Objects;

/**
 * One IOMMU domain. {@code label} is the name users see ("default" and "blocking" are reported per
 * group instead); {@code iommu} names the IOMMU instance whose ops allocated it (ops must match to attach).
 */
public record DomainState(DomainId id, String label, DomainKind kind, String iommu, DomainUse use) {
    public DomainState {
        Objects.requireNonNull(id);
        Objects.requireNonNull(label);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(iommu);
        Objects.requireNonNull(use);
    }

    public DomainState withKind(DomainKind newKind) {
        return new DomainState(id, label, newKind, iommu, use);
    }

    public DomainState withUse(DomainUse newUse) {
        return new DomainState(id, label, kind, iommu, newUse);
    }
}
