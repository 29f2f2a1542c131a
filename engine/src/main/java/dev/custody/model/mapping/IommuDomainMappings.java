package dev.custody.model.mapping;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One paging domain's I/O page table: the domain's page sizes and address width, and its leaves by
 * IOVA. Immutable; the leaves change only by {@link #withLeaves} and {@link #withoutLeaves}, which put
 * and take what the rules decided (the iommu_map()/iommu_unmap() arithmetic is in {@code rules.mapping}).
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

    /** The same table with these leaves put in (by their IOVA). */
    public IommuDomainMappings withLeaves(Collection<Mapping> leaves) {
        if (leaves.isEmpty()) {
            return this;
        }
        NavigableMap<Long, Mapping> next = copyOfLeaves();
        leaves.forEach(leaf -> next.put(leaf.iova(), leaf));
        return new IommuDomainMappings(pageSizeBitmap, addressWidth, next);
    }

    /** The same table without the leaves at these leaves' IOVAs. */
    public IommuDomainMappings withoutLeaves(Collection<Mapping> leaves) {
        if (leaves.isEmpty()) {
            return this;
        }
        NavigableMap<Long, Mapping> next = copyOfLeaves();
        leaves.forEach(leaf -> next.remove(leaf.iova()));
        return new IommuDomainMappings(pageSizeBitmap, addressWidth, next);
    }

    /** The leaf that translates {@code address}, if any. */
    public Optional<Mapping> leafCovering(long address) {
        Map.Entry<Long, Mapping> floor = leavesByIova.floorEntry(address);
        if (floor != null && floor.getValue().covers(address)) {
            return Optional.of(floor.getValue());
        }
        return Optional.empty();
    }

    /** The lowest leaf that shares a byte with {@code range}, if any. */
    public Optional<Mapping> firstLeafIntersecting(IovaRange range) {
        Optional<Mapping> before = leafCovering(range.start());
        if (before.isPresent()) {
            return before;
        }
        Map.Entry<Long, Mapping> after = leavesByIova.ceilingEntry(range.start());
        if (after != null && range.contains(after.getKey())) {
            return Optional.of(after.getValue());
        }
        return Optional.empty();
    }

    /** The physical address {@code iova} translates to, or 0 when nothing maps it (iommu_iova_to_phys). */
    public long iovaToPhys(long iova) {
        return leafCovering(iova)
                .map(leaf -> leaf.paddr() + (iova - leaf.iova()))
                .orElse(0L);
    }

    /** Every leaf, ascending by iova. */
    public List<Mapping> runs() {
        return List.copyOf(leavesByIova.values());
    }

    /** How many leaves the table holds. */
    public int leafCount() {
        return leavesByIova.size();
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
