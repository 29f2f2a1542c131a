package dev.custody.rules.mapping;

import static dev.custody.rules.mapping.Addresses.hex;
import static dev.custody.rules.mapping.Addresses.isAligned;

import dev.custody.model.Errno;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * One paging domain's I/O page table as the IOMMU core's iommu_map()/iommu_unmap() see it: leaves of
 * the sizes in the domain's page-size bitmap. Immutable; every operation returns a new value.
 */
public final class IommuDomainMappings {

    private final long pageSizeBitmap;
    private final int addressWidth;
    private final NavigableMap<Long, Mapping> leavesByIova;

    private IommuDomainMappings(long pageSizeBitmap, int addressWidth, NavigableMap<Long, Mapping> leavesByIova) {
        this.pageSizeBitmap = pageSizeBitmap;
        this.addressWidth = addressWidth;
        this.leavesByIova = leavesByIova;
    }

    public static IommuDomainMappings empty(long pageSizeBitmap, int addressWidth) {
        if (pageSizeBitmap == 0) {
            throw new IllegalArgumentException("a paging domain needs at least one page size");
        }
        if (addressWidth < 1 || addressWidth > 64) {
            throw new IllegalArgumentException("address width " + addressWidth + " is not in 1..64");
        }
        return new IommuDomainMappings(pageSizeBitmap, addressWidth, new TreeMap<>(Long::compareUnsigned));
    }

    public long pageSizeBitmap() {
        return pageSizeBitmap;
    }

    public int addressWidth() {
        return addressWidth;
    }

    /** The smallest page size: the core's min_pagesz = 1 << __ffs(pgsize_bitmap). */
    public long minPageSize() {
        return Long.lowestOneBit(pageSizeBitmap);
    }

    /**
     * Maps {@code [iova, iova + size)} to {@code paddr}; the value is the number of bytes mapped. Size 0
     * with aligned addresses succeeds with 0 and changes nothing.
     */
    public MappingStep<IommuDomainMappings, Long> map(long iova, long paddr, long size, Prot prot) {
        long minPage = minPageSize();
        if (!isAligned(iova | paddr | size, minPage)) {
            // iommu.c __iommu_map: iova, paddr and size must be aligned to the smallest page -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "iova " + hex(iova) + ", paddr " + hex(paddr)
                    + " and size " + hex(size) + " must all be multiples of the smallest page " + hex(minPage));
        }
        if (size == 0) {
            // iommu.c __iommu_map: after the alignment check the while (size) loop maps nothing -> 0, no change
            return MappingStep.ok(this, 0L);
        }
        if (prot.none()) {
            // VT-d and io-pgtable refuse a mapping that grants neither read nor write -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "a mapping must allow read or write");
        }
        OptionalLong last = Addresses.lastOf(iova, size);
        OptionalLong lastPhys = Addresses.lastOf(paddr, size);
        if (last.isEmpty() || lastPhys.isEmpty()) {
            // choice: a range that wraps past 2^64 (iova or paddr) is an argument error -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "iova " + hex(iova) + " or paddr " + hex(paddr)
                    + " plus size " + hex(size) + " wraps past 2^64");
        }
        if (addressWidth < 64 && Long.compareUnsigned(last.getAsLong(), lastIovaOfWidth()) > 0) {
            // choice: beyond the domain's address width -> EINVAL (VT-d itself answers EFAULT here)
            return MappingStep.fail(this, Errno.EINVAL, "range [" + hex(iova) + ", " + hex(last.getAsLong())
                    + "] goes past the " + addressWidth + "-bit limit " + hex(lastIovaOfWidth()));
        }
        IovaRange wanted = new IovaRange(iova, last.getAsLong());
        Optional<Mapping> clash = firstLeafIntersecting(wanted);
        if (clash.isPresent()) {
            // the page-table drivers refuse to overwrite a present entry -> EEXIST, nothing changes
            return MappingStep.fail(this, Errno.EEXIST, "iova range " + wanted + " overlaps the mapping " + clash.get());
        }
        NavigableMap<Long, Mapping> next = copyOfLeaves();
        long position = iova;
        long physical = paddr;
        long remaining = size;
        while (remaining != 0) {
            long pageSize = largestPageFitting(position | physical, remaining);
            next.put(position, new Mapping(position, physical, pageSize, prot));
            position += pageSize;
            physical += pageSize;
            remaining -= pageSize;
        }
        return MappingStep.ok(new IommuDomainMappings(pageSizeBitmap, addressWidth, next), size);
    }

    /**
     * Unmaps from {@code iova} for up to {@code size} bytes; the value is the number of bytes removed,
     * which may exceed {@code size} when a large leaf is only partly covered.
     */
    public MappingStep<IommuDomainMappings, Long> unmap(long iova, long size) {
        if (!isAligned(iova | size, minPageSize())) {
            // iommu.c __iommu_unmap: misaligned iova or size -> returns 0 unmapped, not an error
            return MappingStep.ok(this, 0L);
        }
        NavigableMap<Long, Mapping> next = copyOfLeaves();
        long position = iova;
        long unmapped = 0;
        // iommu.c __iommu_unmap: loop while unmapped < size; stop when the driver unmaps nothing
        while (Long.compareUnsigned(unmapped, size) < 0) {
            Optional<Mapping> leaf = leafCovering(next, position);
            if (leaf.isEmpty()) {
                break;
            }
            // drivers never split a leaf: a partly covered large page goes whole and counts whole (VT-d)
            next.remove(leaf.get().iova());
            unmapped += leaf.get().size();
            long advanced = position + leaf.get().size();
            if (Long.compareUnsigned(advanced, position) < 0) {
                break; // the walk ran off the top of the 64-bit space
            }
            position = advanced;
        }
        if (unmapped == 0) {
            return MappingStep.ok(this, 0L);
        }
        return MappingStep.ok(new IommuDomainMappings(pageSizeBitmap, addressWidth, next), unmapped);
    }

    /** The physical address {@code iova} translates to, or 0 when nothing maps it (iommu_iova_to_phys). */
    public long iovaToPhys(long iova) {
        return leafCovering(leavesByIova, iova).map(leaf -> leaf.paddr() + (iova - leaf.iova())).orElse(0L);
    }

    /** Every leaf, ascending by iova. */
    public List<Mapping> runs() {
        return List.copyOf(leavesByIova.values());
    }

    public boolean isEmpty() {
        return leavesByIova.isEmpty();
    }

    /**
     * A stable fingerprint of the page table: starting from 17, for each leaf in ascending iova order
     * h = 31 * h + iova, then paddr, then size, then the prot bits (read 1, write 2), in wrapping
     * 64-bit arithmetic. Equal tables give equal checksums on every JVM.
     */
    public long checksum() {
        long h = 17;
        for (Mapping leaf : leavesByIova.values()) {
            h = 31 * h + leaf.iova();
            h = 31 * h + leaf.paddr();
            h = 31 * h + leaf.size();
            h = 31 * h + leaf.prot().bits();
        }
        return h;
    }

    private long lastIovaOfWidth() {
        return (1L << addressWidth) - 1;
    }

    /** The core's iommu_pgsize(): the largest supported page that the address alignment and length allow. */
    private long largestPageFitting(long addressBits, long remaining) {
        long candidates = pageSizeBitmap;
        if (addressBits != 0) {
            candidates &= (Long.lowestOneBit(addressBits) << 1) - 1;
        }
        long best = 0;
        for (long bits = candidates; bits != 0; bits &= bits - 1) {
            long size = Long.lowestOneBit(bits);
            if (Long.compareUnsigned(size, remaining) <= 0) {
                best = size;
            }
        }
        return best;
    }

    private Optional<Mapping> firstLeafIntersecting(IovaRange range) {
        Optional<Mapping> before = leafCovering(leavesByIova, range.start());
        if (before.isPresent()) {
            return before;
        }
        Map.Entry<Long, Mapping> after = leavesByIova.ceilingEntry(range.start());
        if (after != null && range.contains(after.getKey())) {
            return Optional.of(after.getValue());
        }
        return Optional.empty();
    }

    private static Optional<Mapping> leafCovering(NavigableMap<Long, Mapping> leaves, long address) {
        Map.Entry<Long, Mapping> floor = leaves.floorEntry(address);
        if (floor != null && floor.getValue().covers(address)) {
            return Optional.of(floor.getValue());
        }
        return Optional.empty();
    }

    private NavigableMap<Long, Mapping> copyOfLeaves() {
        TreeMap<Long, Mapping> copy = new TreeMap<>(Long::compareUnsigned);
        copy.putAll(leavesByIova);
        return copy;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IommuDomainMappings that
                && pageSizeBitmap == that.pageSizeBitmap
                && addressWidth == that.addressWidth
                && runs().equals(that.runs());
    }

    @Override
    public int hashCode() {
        return Long.hashCode(checksum());
    }

    @Override
    public String toString() {
        return "IommuDomainMappings" + runs();
    }
}
