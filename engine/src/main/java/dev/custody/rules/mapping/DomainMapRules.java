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
 * the call is accepted, and which leaves of the domain's page sizes come and go. Both work on runs of
 * equal leaves ({@link Mapping}), computed arithmetically: a map yields at most two runs per page size
 * (growing pieces, the body, shrinking pieces) and an unmap one per run it reaches, so no call costs
 * time or memory in proportion to its leaves (a 1 TiB map in 4 KiB pages is 2^28 of them). The model
 * has no bound on a table's leaves, as the kernel has none but memory; the actor engine, whose domains
 * hold real tables, bounds their pages (docs/decisions.md, "IOMMU domain page table").
 */
public final class DomainMapRules {
    private DomainMapRules() {}

    /**
     * Maps {@code [iova, iova + size)} to {@code paddr}; the value is the number of bytes mapped, the
     * added runs are the split into pages. Size 0 with aligned addresses succeeds with 0 and changes
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
        List<Mapping> leaves = splitIntoRuns(table.pageSizeBitmap(), iova, paddr, size, prot);
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
        // iommu.c __iommu_unmap: loop while unmapped < size; stop when the driver unmaps nothing. Each
        // pass here takes, in one step, every leaf of one run the loop would take one by one.
        while (Long.compareUnsigned(unmapped, size) < 0) {
            Optional<Mapping> found = table.runCovering(position);
            if (found.isEmpty()) {
                break;
            }
            Mapping run = found.get();
            long leafSize = run.size();
            long first = Long.divideUnsigned(position - run.iova(), leafSize);
            // drivers never split a leaf: a partly covered large page goes whole and counts whole (VT-d);
            // the position moves on by the leaf's size, so it stays at the same offset in each next leaf
            long wanted = ceilDivide(size - unmapped, leafSize);
            long taken = Addresses.min(run.count() - first, wanted); // unsigned: wanted may pass 2^63
            removed.add(run.slice(first, taken));
            unmapped += taken * leafSize;
            long advanced = position + taken * leafSize;
            if (Long.compareUnsigned(advanced, position) <= 0) {
                break; // the walk ran off the top of the 64-bit space
            }
            position = advanced;
        }
        if (unmapped == 0) {
            return MappingStep.ok(table, 0L);
        }
        return MappingStep.changed(table.withoutLeaves(removed), unmapped, removed, List.of());
    }

    /**
     * iommu.c __iommu_map's split of a range into pages, as runs: while the length lasts, iommu_pgsize()
     * picks the largest page the alignment of iova and paddr and the remaining length allow. The page
     * picked stays the same until either fewer than one page of it remains, or iova and paddr both
     * reach the alignment of the next larger page size with at least that page remaining; both points
     * are computed, so each run costs one step, and the page sizes first grow, then shrink.
     */
    static List<Mapping> splitIntoRuns(long pageSizeBitmap, long iova, long paddr, long size, Prot prot) {
        List<Mapping> runs = new ArrayList<>();
        long position = iova;
        long physical = paddr;
        long remaining = size;
        while (remaining != 0) {
            long page = largestPageFitting(pageSizeBitmap, position | physical, remaining);
            long leaves = Long.divideUnsigned(remaining, page); // until less than a page remains
            long larger = pageSizeBitmap & -(page << 1); // the supported sizes above page
            if (page << 1 != 0 && larger != 0) {
                long next = Long.lowestOneBit(larger);
                long misalignment = position & (next - 1);
                if (misalignment == (physical & (next - 1))) {
                    // both reach next's alignment after the same number of pages
                    long untilAligned = Long.divideUnsigned(next - misalignment, page);
                    if (Addresses.lessThan(untilAligned, leaves)
                            && Addresses.lessOrEqual(next, remaining - untilAligned * page)) {
                        leaves = untilAligned;
                    }
                }
            }
            runs.add(new Mapping(position, physical, page, prot, leaves));
            position += leaves * page;
            physical += leaves * page;
            remaining -= leaves * page;
        }
        return runs;
    }

    private static long ceilDivide(long dividend, long divisor) {
        long quotient = Long.divideUnsigned(dividend, divisor);
        return Long.remainderUnsigned(dividend, divisor) == 0 ? quotient : quotient + 1;
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
