package dev.custody.nativeio.pagetable;

/**
 * The page sizes a table may use (the kernel's {@code pgsize_bitmap}): a bit set for each
 * supported leaf size. This format supports 4 KiB, 2 MiB and 1 GiB leaves.
 */
public record PageSizeBitmap(long bits) {

    public static final long SIZE_4K = 1L << 12;
    public static final long SIZE_2M = 1L << 21;
    public static final long SIZE_1G = 1L << 30;
    public static final long SUPPORTED = SIZE_4K | SIZE_2M | SIZE_1G;

    public static final PageSizeBitmap ALL = new PageSizeBitmap(SUPPORTED);

    public PageSizeBitmap {
        if (bits == 0 || (bits & ~SUPPORTED) != 0) {
            throw new IllegalArgumentException(String.format(
                    "page-size bitmap 0x%x must be a non-empty subset of 4K|2M|1G (0x%x)", bits, SUPPORTED));
        }
    }

    public long smallest() {
        return Long.lowestOneBit(bits);
    }

    public long largest() {
        return Long.highestOneBit(bits);
    }

    public boolean isAligned(long value) {
        return (value & (smallest() - 1)) == 0;
    }

    /**
     * The page size the kernel's {@code iommu_pgsize} picks: the largest supported size that is
     * no larger than {@code remaining} and to which both {@code iova} and {@code paddr} are
     * aligned. The caller guarantees all three are aligned to {@link #smallest()} and that
     * {@code remaining} is positive, so a size always exists.
     */
    public long pick(long iova, long paddr, long remaining) {
        long candidates = bits & (Long.highestOneBit(remaining) * 2 - 1);
        long addressBits = iova | paddr;
        if (addressBits != 0) {
            candidates &= Long.lowestOneBit(addressBits) * 2 - 1;
        }
        assert candidates != 0 : "caller must pass values aligned to the smallest page size";
        return Long.highestOneBit(candidates);
    }
}
