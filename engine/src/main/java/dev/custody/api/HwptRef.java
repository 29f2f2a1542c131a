package dev.custody.api;

import dev.custody.model.FileId;
import dev.custody.model.ObjectId;

/** A HW page table of one iommufd context (explicit, or the automatic one an attach chose). */
public final class HwptRef extends Capability {
    final FileId iommufd;
    final ObjectId id;

    HwptRef(Object issuer, FileId iommufd, ObjectId id, String label) {
        super(issuer, label);
        this.iommufd = iommufd;
        this.id = id;
    }
}
