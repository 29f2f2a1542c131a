package dev.custody.api;

import dev.custody.model.FileId;

/** A device fd from VFIO_GROUP_GET_DEVICE_FD. */
public final class VfioDeviceFd extends Capability {
    final FileId file;

    VfioDeviceFd(Object issuer, FileId file, String label) {
        super(issuer, label);
        this.file = file;
    }
}
