package dev.custody.api;

import dev.custody.model.FileId;
import dev.custody.model.ObjectId;

/** An I/O address space of one iommufd context. */
public final class IoasRef extends Capability {
    final FileId iommufd;
    final ObjectId id;

    IoasRef(Object issuer, FileId iommufd, ObjectId id, String label) {
        super(issuer, label);
        this.iommufd = iommufd;
        this.id = id;
    }
}
