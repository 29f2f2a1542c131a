package dev.custody.model;

import java.util.Objects;

/** An IOMMU instance: its name, the page sizes it supports (a bitmap of sizes) and its address width. */
public record IommuSpec(String name, long pageSizeBitmap, int addressWidth) {
    public static final long SIZE_4K = 1L << 12;
    public static final long SIZE_2M = 1L << 21;
    public static final long SIZE_1G = 1L << 30;
    public static final long DEFAULT_PAGE_SIZES = SIZE_4K | SIZE_2M | SIZE_1G;
    public static final int DEFAULT_ADDRESS_WIDTH = 48;

    public IommuSpec {
        Objects.requireNonNull(name);
        if (pageSizeBitmap == 0) {
            throw new IllegalArgumentException("IOMMU " + name + " supports no page size");
        }
        if (addressWidth < 12 || addressWidth > 64) {
            throw new IllegalArgumentException(
                    "IOMMU " + name + ": address width " + addressWidth + " is not in 12..64");
        }
    }

    /** The smallest supported page size. */
    public long minPageSize() {
        return Long.lowestOneBit(pageSizeBitmap);
    }
}
