package dev.custody.nativeio.backend;

/**
 * Where map and unmap of one I/O address space land: the off-heap page table ({@link SoftDmaMapper})
 * or the host kernel through {@code /dev/iommu} ({@link IommufdDmaMapper}).
 *
 * <p>Results follow the kernel's convention: 0 or a non-negative count on success, a negated
 * errno on failure, so callers translate both backends' failures alike.
 *
 * <p>What {@code address} means differs as it does in the kernel: the soft backend stores a
 * physical address in its leaves (as {@code iommu_map}), iommufd takes a user virtual address of
 * this process and pins the pages behind it (as {@code IOMMU_IOAS_MAP}).
 *
 * <p>Not thread-safe: one owner at a time, like the page table.
 */
public interface DmaMapper extends AutoCloseable {

    DmaBackend backend();

    /**
     * Maps {@code length} bytes at the fixed {@code iova}.
     *
     * @return 0, or -errno (EINVAL for misalignment or a range outside the address space, EEXIST
     *     for an iova range already in use, and whatever else the kernel reports)
     */
    int map(long iova, long address, long length, boolean read, boolean write);

    /** @return the bytes unmapped, or -errno */
    long unmap(long iova, long length);

    /** Releases the address space and everything mapped in it. Idempotent. */
    @Override
    void close();
}
