package dev.custody.model.mapping;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One paging domain's I/O page table: the domain's page sizes and address width, and its leaves by
 * IOVA, held as runs ({@link Mapping}: equal-size leaves with contiguous IOVA and physical addresses and
 * one prot). Immutable; the leaves change only by {@link #withLeaves} and {@link #withoutLeaves}, which
 * put and take what the rules decided (the iommu_map()/iommu_unmap() arithmetic is in
 * {@code rules.mapping}).
 *
 * <p>The runs are kept canonical: two runs that continue each other leaf for leaf are always one run,
 * so equality, {@link #runs()} and {@link #checksum()} depend only on the leaves, never on the calls that
 * put them there. A change costs O(runs it touches + log runs): the runs sit in a persistent tree that
 * shares everything the change does not touch with the table it came from.
 */
public final class IommuDomainMappings {

    private final long pageSizeBitmap;
    private final int addressWidth;
    private final RunTree runs;
    private final long leafCount;

    private IommuDomainMappings(long pageSizeBitmap, int addressWidth, RunTree runs, long leafCount) {
        this.pageSizeBitmap = pageSizeBitmap;
        this.addressWidth = addressWidth;
        this.runs = runs;
        this.leafCount = leafCount;
    }

    public static IommuDomainMappings empty(long pageSizeBitmap, int addressWidth) {
        if (pageSizeBitmap == 0) {
            throw new IllegalArgumentException("a paging domain needs at least one page size");
        }
        if (addressWidth < 1 || addressWidth > 64) {
            throw new IllegalArgumentException("address width " + addressWidth + " is not in 1..64");
        }
        return new IommuDomainMappings(pageSizeBitmap, addressWidth, RunTree.EMPTY, 0);
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
     * The same table with these runs of leaves put in. They must not overlap a leaf the table holds
     * (iommu_map() refuses that with EEXIST before anything is added): a run that does is a bug or a
     * damaged journal, and is refused.
     */
    public IommuDomainMappings withLeaves(Collection<Mapping> added) {
        RunTree next = runs;
        long leaves = leafCount;
        for (Mapping run : added) {
            Mapping before = next.floor(run.iova());
            Mapping after = next.ceiling(run.iova());
            if ((before != null && before.covers(run.iova())) || (after != null && run.covers(after.iova()))) {
                throw new IllegalArgumentException("the leaves " + run + " overlap the table's "
                        + (before != null && before.covers(run.iova()) ? before : after));
            }
            Mapping joined = run;
            if (before != null && before.isContinuedBy(joined)) {
                joined = new Mapping(
                        before.iova(), before.paddr(), before.size(), before.prot(), before.count() + joined.count());
            }
            if (after != null && joined.isContinuedBy(after)) {
                next = next.without(after.iova());
                joined = new Mapping(
                        joined.iova(), joined.paddr(), joined.size(), joined.prot(), joined.count() + after.count());
            }
            next = next.with(joined);
            leaves += run.count();
        }
        return added.isEmpty() ? this : new IommuDomainMappings(pageSizeBitmap, addressWidth, next, leaves);
    }

    /**
     * The same table without these leaves. Each run taken must be leaves the table holds, whole (the
     * rules never split a leaf): anything else is a bug or a damaged journal, and is refused.
     */
    public IommuDomainMappings withoutLeaves(Collection<Mapping> removed) {
        RunTree next = runs;
        long leaves = leafCount;
        for (Mapping run : removed) {
            Mapping held = next.floor(run.iova());
            long offset = held == null ? 0 : run.iova() - held.iova();
            long first = held == null ? 0 : Long.divideUnsigned(offset, held.size());
            boolean whole = held != null
                    && held.covers(run.iova())
                    && held.size() == run.size()
                    && Long.remainderUnsigned(offset, held.size()) == 0
                    && run.count() <= held.count() - first;
            if (!whole) {
                throw new IllegalArgumentException("the leaves " + run + " are not leaves of the table"
                        + (held == null ? "" : " (nearest below: " + held + ")"));
            }
            long remaining = held.count() - first - run.count();
            next = next.without(held.iova());
            if (first > 0) {
                next = next.with(held.slice(0, first));
            }
            if (remaining > 0) {
                next = next.with(held.slice(first + run.count(), remaining));
            }
            leaves -= run.count();
        }
        return removed.isEmpty() ? this : new IommuDomainMappings(pageSizeBitmap, addressWidth, next, leaves);
    }

    /** The run that holds {@code address}, if any. */
    public Optional<Mapping> runCovering(long address) {
        Mapping floor = runs.floor(address);
        return floor != null && floor.covers(address) ? Optional.of(floor) : Optional.empty();
    }

    /** The leaf that translates {@code address}, if any. */
    public Optional<Mapping> leafCovering(long address) {
        return runCovering(address).map(run -> run.leafAt(address));
    }

    /** The lowest leaf that shares a byte with {@code range}, if any. */
    public Optional<Mapping> firstLeafIntersecting(IovaRange range) {
        Optional<Mapping> before = leafCovering(range.start());
        if (before.isPresent()) {
            return before;
        }
        Mapping after = runs.ceiling(range.start());
        if (after != null && range.contains(after.iova())) {
            return Optional.of(after.leaf(0));
        }
        return Optional.empty();
    }

    /** The physical address {@code iova} translates to, or 0 when nothing maps it (iommu_iova_to_phys). */
    public long iovaToPhys(long iova) {
        return runCovering(iova).map(run -> run.paddr() + (iova - run.iova())).orElse(0L);
    }

    /** Every run, ascending by iova, each as long as it can be (canonical: the same leaves give the same runs). */
    public List<Mapping> runs() {
        return runs.toList();
    }

    /** Every leaf, ascending by iova, computed as it is read (a table of 2^28 leaves holds a few runs). */
    public Stream<Mapping> leaves() {
        return runs().stream().flatMap(run -> run.leaves().stream());
    }

    /** How many leaves the table holds. */
    public long leafCount() {
        return leafCount;
    }

    /** How many runs hold them. */
    public int runCount() {
        return runs.size();
    }

    public boolean isEmpty() {
        return runs.isEmpty();
    }

    /**
     * A stable fingerprint of the page table: starting from 17, for each leaf in ascending iova order
     * h = 31 * h + iova, then paddr, then size, then the prot bits (read 1, write 2), in wrapping
     * 64-bit arithmetic. Equal tables give equal checksums on every JVM. It is defined leaf by leaf but
     * computed run by run in O(log count) ({@link LeafChecksum}), so a table of 2^28 leaves costs no more
     * than one of a few.
     */
    public long checksum() {
        long h = 17;
        for (Mapping run : runs.toList()) {
            h = LeafChecksum.afterRun(h, run);
        }
        return h;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IommuDomainMappings that
                && pageSizeBitmap == that.pageSizeBitmap
                && addressWidth == that.addressWidth
                && leafCount == that.leafCount
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
