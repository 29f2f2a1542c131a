package dev.custody.api;

import dev.custody.model.FileId;

/** /dev/iommu: an iommufd context; it owns the groups of the devices bound to it. */
public final class IommufdFd extends Capability {
    final FileId file;

    IommufdFd(Object issuer, FileId file, String label) {
        super(issuer, label);
        this.file = file;
    }
}
