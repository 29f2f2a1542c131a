package dev.custody.api;

import dev.custody.model.FileId;

/** /dev/vfio/devices/vfioX: a VFIO device cdev. */
public final class CdevFd extends Capability {
    final FileId file;

    CdevFd(Object issuer, FileId file, String label) {
        super(issuer, label);
        this.file = file;
    }
}
