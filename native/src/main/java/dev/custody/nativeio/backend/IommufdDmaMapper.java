package dev.custody.nativeio.backend;

import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.uapi.Iommufd;
import dev.custody.nativeio.uapi.Iommufd.IoasAlloc;
import dev.custody.nativeio.uapi.Iommufd.IoasIovaRanges;
import dev.custody.nativeio.uapi.Iommufd.IoasMap;
import dev.custody.nativeio.uapi.Iommufd.IoasUnmap;
import dev.custody.nativeio.uapi.Iommufd.IovaRange;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link DmaMapper} on the host kernel: one iommufd file descriptor holding one IOAS. Maps are
 * {@code IOMMU_IOAS_MAP} with a fixed iova of a user virtual address; the kernel pins the pages
 * and installs them in every hardware page table attached to the IOAS.
 *
 * <p>The argument structs live in one arena for the mapper's life and are rewritten per call,
 * so a map costs no allocation; the arena is shared because the owner may change threads
 * between calls (one at a time). {@link #close()} destroys the IOAS and closes the descriptor
 * before freeing the arena.
 */
public final class IommufdDmaMapper implements DmaMapper {

    private static final int EMSGSIZE = 90;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment mapArg = arena.allocate(IoasMap.LAYOUT);
    private final MemorySegment unmapArg = arena.allocate(IoasUnmap.LAYOUT);
    private final int fd;
    private final int ioasId;
    private boolean closed;

    private IommufdDmaMapper(int fd, int ioasId) {
        this.fd = fd;
        this.ioasId = ioasId;
    }

    /**
     * Opens {@code device} (normally /dev/iommu) and allocates an IOAS on it.
     *
     * @throws IllegalStateException with the errno when either step fails; nothing stays open then
     */
    public static IommufdDmaMapper open(Path device) {
        int fd = Libc.open(device.toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd < 0) {
            throw new IllegalStateException("cannot open " + device + ": errno " + -fd);
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment alloc = call.allocate(IoasAlloc.LAYOUT);
            IoasAlloc.SIZE.set(alloc, (int) IoasAlloc.LAYOUT.byteSize());
            int result = Libc.ioctl(fd, Iommufd.IOMMU_IOAS_ALLOC, alloc);
            if (result < 0) {
                Libc.close(fd);
                throw new IllegalStateException("IOMMU_IOAS_ALLOC on " + device + " failed: errno " + -result);
            }
            return new IommufdDmaMapper(fd, (int) IoasAlloc.OUT_IOAS_ID.get(alloc));
        }
    }

    @Override
    public DmaBackend backend() {
        return DmaBackend.IOMMUFD;
    }

    public int ioasId() {
        return ioasId;
    }

    /**
     * Unlike the soft table, an IOAS with no hardware domain attached (a process without a VFIO
     * device) takes any byte alignment: its iova alignment is 1 until a domain or access raises it to
     * the IOMMU's page size, so misalignment is EINVAL only after an attach (seen on Linux 6.12 by
     * {@link IommufdSelfCheck}).
     *
     * @param address a user virtual address of this process, backed by memory the kernel can pin
     */
    @Override
    public int map(long iova, long address, long length, boolean read, boolean write) {
        ensureOpen();
        int result = ioasMap(Iommufd.MAP_FIXED_IOVA, iova, address, length, read, write);
        return Math.min(result, 0);
    }

    /**
     * Maps {@code length} bytes at an iova the kernel chooses (no {@code IOMMU_IOAS_MAP_FIXED_IOVA}):
     * a free range inside the allowed ranges that keeps the address's offset within its page.
     *
     * @return the chosen iova, or -errno (ENOSPC when no free range is large enough). The kernel
     *     never allocates in the top half of the 64-bit space, so a valid iova is never negative.
     */
    public long mapAnywhere(long address, long length, boolean read, boolean write) {
        ensureOpen();
        int result = ioasMap(0, 0, address, length, read, write);
        return result < 0 ? result : (long) IoasMap.IOVA.get(mapArg);
    }

    /** One IOMMU_IOAS_MAP; on success the kernel has written the iova it used back into {@link #mapArg}. */
    private int ioasMap(int placement, long iova, long address, long length, boolean read, boolean write) {
        int flags = placement | (read ? Iommufd.MAP_READABLE : 0) | (write ? Iommufd.MAP_WRITEABLE : 0);
        IoasMap.SIZE.set(mapArg, (int) IoasMap.LAYOUT.byteSize());
        IoasMap.FLAGS.set(mapArg, flags);
        IoasMap.IOAS_ID.set(mapArg, ioasId);
        IoasMap.USER_VA.set(mapArg, address);
        IoasMap.LENGTH.set(mapArg, length);
        IoasMap.IOVA.set(mapArg, iova);
        return Libc.ioctl(fd, Iommufd.IOMMU_IOAS_MAP, mapArg);
    }

    /** The kernel refuses to split an area: the range must cover whole earlier maps. */
    @Override
    public long unmap(long iova, long length) {
        ensureOpen();
        IoasUnmap.SIZE.set(unmapArg, (int) IoasUnmap.LAYOUT.byteSize());
        IoasUnmap.IOAS_ID.set(unmapArg, ioasId);
        IoasUnmap.IOVA.set(unmapArg, iova);
        IoasUnmap.LENGTH.set(unmapArg, length);
        int result = Libc.ioctl(fd, Iommufd.IOMMU_IOAS_UNMAP, unmapArg);
        return result < 0 ? result : (long) IoasUnmap.LENGTH.get(unmapArg);
    }

    /** The IOAS's allowed iova ranges as {start, last} pairs (last inclusive). */
    public List<long[]> iovaRanges() {
        return queryIovaRanges().ranges();
    }

    /**
     * The alignment the IOAS requires of iova, length and the address's page offset: 1 while no
     * hardware domain or in-kernel access is attached, the IOMMU's smallest page after that.
     */
    public long iovaAlignment() {
        return queryIovaRanges().alignment();
    }

    private record IovaRangesAnswer(List<long[]> ranges, long alignment) {}

    private IovaRangesAnswer queryIovaRanges() {
        ensureOpen();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment query = call.allocate(IoasIovaRanges.LAYOUT);
            int capacity = 4;
            while (true) {
                MemorySegment ranges = call.allocate(IovaRange.LAYOUT, capacity);
                IoasIovaRanges.SIZE.set(query, (int) IoasIovaRanges.LAYOUT.byteSize());
                IoasIovaRanges.IOAS_ID.set(query, ioasId);
                IoasIovaRanges.NUM_IOVAS.set(query, capacity);
                IoasIovaRanges.ALLOWED_IOVAS.set(query, ranges.address());
                int result = Libc.ioctl(fd, Iommufd.IOMMU_IOAS_IOVA_RANGES, query);
                int count = (int) IoasIovaRanges.NUM_IOVAS.get(query);
                if (result == -EMSGSIZE && count > capacity) {
                    capacity = count; // the kernel said how many; ask again with room for all
                    continue;
                }
                if (result < 0) {
                    throw new IllegalStateException("IOMMU_IOAS_IOVA_RANGES failed: errno " + -result);
                }
                List<long[]> out = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    long base = i * IovaRange.LAYOUT.byteSize();
                    out.add(new long[] {
                        (long) IovaRange.START.get(ranges, base), (long) IovaRange.LAST.get(ranges, base)
                    });
                }
                return new IovaRangesAnswer(out, (long) IoasIovaRanges.OUT_IOVA_ALIGNMENT.get(query));
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena call = Arena.ofConfined()) {
            // Destroying the IOAS unmaps and unpins everything; closing the fd alone would too,
            // but destroying first reports nothing and keeps the order explicit.
            MemorySegment destroy = call.allocate(Iommufd.Destroy.LAYOUT);
            Iommufd.Destroy.SIZE.set(destroy, (int) Iommufd.Destroy.LAYOUT.byteSize());
            Iommufd.Destroy.ID.set(destroy, ioasId);
            Libc.ioctl(fd, Iommufd.IOMMU_DESTROY, destroy);
        } finally {
            Libc.close(fd);
            arena.close();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("iommufd mapper is closed");
        }
    }
}
