package dev.custody.api;

import dev.custody.model.FileId;

/** /dev/vfio/vfio: a VFIO container. */
public final class VfioContainerFd extends Capability {
    final FileId file;

    VfioContainerFd(Object issuer, FileId file, String label) {
        super(issuer, label);
        this.file = file;
    }
}
