package dev.custody.model;

import java.util.Objects;

/**
 * The opaque cookie of an exclusive DMA owner (the kernel only compares the pointer). {@code key}
 * is the identity (a VFIO group file, an iommufd context, a shared domain, an in-kernel caller's
 * cookie); {@code label} is what users see: the fd's name, the domain's name, the caller's string.
 */
public record OwnerId(String key, String label) {
    public OwnerId {
        Objects.requireNonNull(key);
        Objects.requireNonNull(label);
    }

    public static OwnerId vfioGroupFile(FileId file, String label) {
        return new OwnerId("vfio-group:" + file.number(), label);
    }

    public static OwnerId iommufd(FileId context, String label) {
        return new OwnerId("iommufd:" + context.number(), label);
    }

    public static OwnerId sharedDomain(DomainId domain, String label) {
        return new OwnerId("shared-domain:" + domain.number(), label);
    }

    public static OwnerId kernelCaller(String cookie) {
        return new OwnerId("caller:" + cookie, cookie);
    }

    @Override
    public String toString() {
        return label;
    }
}
