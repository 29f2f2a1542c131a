package dev.custody.rules.mapping;

import static dev.custody.model.mapping.Addresses.hex;
import static dev.custody.model.mapping.Addresses.isAligned;

import dev.custody.model.Errno;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.mapping.Prot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the IOMMU core's iommu_map()/iommu_unmap() decide on one paging domain's page table: whether
 * the call is accepted, and which leaves of the domain's page sizes come and go.
 */
public final class DomainMapRules {
    private DomainMapRules() {}

    /**
     * The most leaves one domain's table may hold. The model keeps every leaf (on the heap, and in the
     * domain actor's off-heap page table), so one {@code iommu.map} of 1 TiB in 4 KiB pages would be
     * 2^28 leaves and end the process; a map that would pass this answers ENOMEM, as the kernel does when
     * it cannot allocate the page-table pages (docs/decisions.md, "IOMMU domain page table"). 2^18 leaves are 1 GiB in
     * 4 KiB pages, 512 GiB in 2 MiB pages.
     */
    public static final int MAX_LEAVES_PER_DOMAIN = 1 << 18;

    /**
     * Maps {@code [iova, iova + size)} to {@code paddr}; the value is the number of bytes mapped, the
     * added leaves are the split into pages. Size 0 with aligned addresses succeeds with 0 and changes
     * nothing.
     */
    public static MappingStep<IommuDomainMappings, Mapping, Long> map(
            IommuDomainMappings table, long iova, long paddr, long size, Prot prot) {
        long minPage = table.minPageSize();
        if (!isAligned(iova | paddr | size, minPage)) {
            // iommu.c __iommu_map: iova, paddr and size must be aligned to the smallest page -> EINVAL
            return MappingStep.fail(
                    table,
                    Errno.EINVAL,
                    "iova " + hex(iova) + ", paddr " + hex(paddr) + " and size " + hex(size)
                            + " must all be multiples of the smallest page " + hex(minPage));
        }
        if (size == 0) {
            // iommu.c __iommu_map: after the alignment check the while (size) loop maps nothing -> 0, no change
            return MappingStep.ok(table, 0L);
        }
        if (prot.none()) {
            // VT-d and io-pgtable refuse a mapping that grants neither read nor write -> EINVAL
            return MappingStep.fail(table, Errno.EINVAL, "a mapping must allow read or write");
        }
        OptionalLong last = Addresses.lastOf(iova, size);
        OptionalLong lastPhys = Addresses.lastOf(paddr, size);
        if (last.isEmpty() || lastPhys.isEmpty()) {
            // choice: a range that wraps past 2^64 (iova or paddr) is an argument error -> EINVAL
            return MappingStep.fail(
                    table,
                    Errno.EINVAL,
                    "iova " + hex(iova) + " or paddr " + hex(paddr) + " plus size " + hex(size) + " wraps past 2^64");
        }
        int width = table.addressWidth();
        if (width < 64 && Long.compareUnsigned(last.getAsLong(), lastIovaOfWidth(width)) > 0) {
            // choice: beyond the domain's address width -> EINVAL (VT-d itself answers EFAULT here)
            return MappingStep.fail(
                    table,
                    Errno.EINVAL,
                    "range [" + hex(iova) + ", " + hex(last.getAsLong()) + "] goes past the " + width + "-bit limit "
                            + hex(lastIovaOfWidth(width)));
        }
        IovaRange wanted = new IovaRange(iova, last.getAsLong());
        Optional<Mapping> clash = table.firstLeafIntersecting(wanted);
        if (clash.isPresent()) {
            // the page-table drivers refuse to overwrite a present entry -> EEXIST, nothing changes
            return MappingStep.fail(
                    table, Errno.EEXIST, "iova range " + wanted + " overlaps the mapping " + clash.get());
        }
        List<Mapping> leaves = new ArrayList<>();
        long position = iova;
        long physical = paddr;
        long remaining = size;
        while (remaining != 0) {
            if (table.leafCount() + leaves.size() >= MAX_LEAVES_PER_DOMAIN) {
                // choice: the model's bound on a table's leaves -> ENOMEM, as a failed page-table allocation
                return MappingStep.fail(
                        table,
                        Errno.ENOMEM,
                        "mapping " + hex(size) + " bytes at " + hex(iova) + " would take domain's page table past "
                                + MAX_LEAVES_PER_DOMAIN + " leaves (it holds " + table.leafCount() + ")");
            }
            // iommu.c __iommu_map: each step maps the largest page iommu_pgsize() allows
            long pageSize = largestPageFitting(table.pageSizeBitmap(), position | physical, remaining);
            leaves.add(new Mapping(position, physical, pageSize, prot));
            position += pageSize;
            physical += pageSize;
            remaining -= pageSize;
        }
        return MappingStep.changed(table.withLeaves(leaves), size, List.of(), leaves);
    }

    /**
     * Unmaps from {@code iova} for up to {@code size} bytes; the value is the number of bytes removed,
     * which may exceed {@code size} when a large leaf is only partly covered.
     */
    public static MappingStep<IommuDomainMappings, Mapping, Long> unmap(
            IommuDomainMappings table, long iova, long size) {
        if (!isAligned(iova | size, table.minPageSize())) {
            // iommu.c __iommu_unmap: misaligned iova or size -> returns 0 unmapped, not an error
            return MappingStep.ok(table, 0L);
        }
        List<Mapping> removed = new ArrayList<>();
        long position = iova;
        long unmapped = 0;
        // iommu.c __iommu_unmap: loop while unmapped < size; stop when the driver unmaps nothing
        while (Long.compareUnsigned(unmapped, size) < 0) {
            Optional<Mapping> leaf = table.leafCovering(position);
            if (leaf.isEmpty()) {
                break;
            }
            // drivers never split a leaf: a partly covered large page goes whole and counts whole (VT-d)
            removed.add(leaf.get());
            unmapped += leaf.get().size();
            long advanced = position + leaf.get().size();
            if (Long.compareUnsigned(advanced, position) < 0) {
                break; // the walk ran off the top of the 64-bit space
            }
            position = advanced;
        }
        if (unmapped == 0) {
            return MappingStep.ok(table, 0L);
        }
        return MappingStep.changed(table.withoutLeaves(removed), unmapped, removed, List.of());
    }

    private static long lastIovaOfWidth(int addressWidth) {
        return (1L << addressWidth) - 1;
    }

    /** The core's iommu_pgsize(): the largest supported page that the address alignment and length allow. */
    private static long largestPageFitting(long pageSizeBitmap, long addressBits, long remaining) {
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
}
