package dev.custody.api;

import dev.custody.model.FileId;

/** /dev/vfio/N: the group's fd; with a container set it owns the whole group. */
public final class VfioGroupFd extends Capability {
    final FileId file;

    VfioGroupFd(Object issuer, FileId file, String label) {
        super(issuer, label);
        this.file = file;
    }
}
