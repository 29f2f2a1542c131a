package dev.custody.nativeio.pagetable;

/**
 * A contiguous translation: {@code size} bytes from {@code iova} map to {@code paddr} with the
 * permissions {@code prot} ({@link #READ} | {@link #WRITE}, the kernel's IOMMU_READ and
 * IOMMU_WRITE values).
 */
public record IoMapping(long iova, long paddr, long size, int prot) {

    public static final int READ = 1;
    public static final int WRITE = 2;

    public IoMapping {
        // paddr is an unsigned 64-bit address (the kernel maps any); iova stays below the table's width
        if (iova < 0 || size <= 0) {
            throw new IllegalArgumentException(
                    "negative iova or non-positive size: " + describe(iova, paddr, size, prot));
        }
        if (prot == 0 || (prot & ~(READ | WRITE)) != 0) {
            throw new IllegalArgumentException("prot must be a non-empty mix of READ and WRITE: " + prot);
        }
    }

    public long iovaEnd() {
        return iova + size;
    }

    public boolean readable() {
        return (prot & READ) != 0;
    }

    public boolean writable() {
        return (prot & WRITE) != 0;
    }

    /**
     * True when {@code next} continues this mapping without a gap in either address space and with
     * the same permissions, so the two describe one run.
     */
    public boolean isContinuedBy(IoMapping next) {
        return iova + size == next.iova && paddr + size == next.paddr && prot == next.prot;
    }

    @Override
    public String toString() {
        return describe(iova, paddr, size, prot);
    }

    private static String describe(long iova, long paddr, long size, int prot) {
        return String.format(
                "[iova 0x%x -> paddr 0x%x, size 0x%x, %s%s]",
                iova, paddr, size, (prot & READ) != 0 ? "r" : "-", (prot & WRITE) != 0 ? "w" : "-");
    }
}
