package dev.custody.entity;

import dev.custody.model.event.DomainEvent;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.state.KernelState;
import dev.custody.nativeio.pagetable.IoMapping;
import dev.custody.nativeio.pagetable.IoMappingChecksum;
import dev.custody.nativeio.pagetable.IoPageTable;
import dev.custody.nativeio.pagetable.MapResult;
import dev.custody.nativeio.pagetable.PageSizeBitmap;
import dev.custody.nativeio.pagetable.TablePageCount;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * A paging domain's real I/O page table: off-heap, in the x86-64 format, owned by the domain's actor.
 * It is rebuilt from the journaled mapping set when the actor recovers, kept in step with every map
 * and unmap after that, and checked against the journaled set each time, so a translation the actor
 * answers is one the journal can prove.
 *
 * <p>The off-heap table is allocated by the first map, not when the domain is: a table starts with a
 * slab of 256 KiB of zeroed native memory in an arena of its own, and most domains (every one the
 * journal benchmark allocates, for one) are attached and freed without ever being mapped. Until then
 * it reads as the empty table it would be.
 */
final class DomainPageTable implements AutoCloseable {
    private final PageSizeBitmap pageSizes;
    private final int addressWidth;
    /** Null until the first map. */
    private IoPageTable table;

    private DomainPageTable(PageSizeBitmap pageSizes, int addressWidth) {
        this.pageSizes = pageSizes;
        this.addressWidth = addressWidth;
    }

    /** The real table, allocated now if nothing was mapped before. */
    private IoPageTable table() {
        if (table == null) {
            table = new IoPageTable(pageSizes, addressWidth);
        }
        return table;
    }

    /** The page table of the entity's domain, when it is a paging domain somebody maps (a caller, type1, an IOAS). */
    static Optional<DomainPageTable> of(KernelState slice) {
        return mappingsOf(slice).map(mappings -> {
            long sizes = mappings.pageSizeBitmap() & PageSizeBitmap.SUPPORTED;
            long pages = PageTableBudget.tablePages(mappings);
            if (pages > PageTableBudget.HOST_TABLE_PAGES) {
                // the coordinator never records tables past the budget (PageTableBudget): the journal is damaged
                throw new IllegalStateException("the journal holds a page table of " + mappings.leafCount()
                        + " leaves needing " + pages + " table pages, more than the "
                        + PageTableBudget.HOST_TABLE_PAGES + " a host's domains may hold: the journal is damaged");
            }
            DomainPageTable built = new DomainPageTable(new PageSizeBitmap(sizes), mappings.addressWidth());
            for (Mapping run : mappings.runs()) {
                built.requireLeaves(run);
                for (Mapping leaf : run.leaves()) {
                    MapResult result = built.table()
                            .map(
                                    leaf.iova(),
                                    leaf.paddr(),
                                    leaf.size(),
                                    leaf.prot().read(),
                                    leaf.prot().write());
                    if (result != MapResult.OK) {
                        built.close();
                        throw new IllegalStateException("the journaled mapping " + leaf + " does not map: " + result);
                    }
                }
            }
            return built;
        });
    }

    static Optional<IommuDomainMappings> mappingsOf(KernelState slice) {
        return slice.domains().values().stream()
                .findFirst()
                .flatMap(domain -> domain.use().pageTable());
    }

    /**
     * Applies a persisted map or unmap to the real table: the leaves the rules decided, one by one (the
     * real table holds every leaf; the coordinator kept them within {@link PageTableBudget}).
     */
    void apply(KernelEvent event) {
        switch (event) {
            case DomainEvent.DomainLeavesMapped m -> map(m.leaves());
            case DomainEvent.DomainRunsMapped m -> map(m.runs());
            case DomainEvent.DomainLeavesUnmapped u -> unmap(u.leaves());
            case DomainEvent.DomainRunsUnmapped u -> unmap(u.runs());
            default -> {}
        }
    }

    private void map(List<Mapping> runs) {
        runs.forEach(run -> {
            requireLeaves(run);
            IoPageTable table = table();
            for (Mapping leaf : run.leaves()) {
                table.map(
                        leaf.iova(),
                        leaf.paddr(),
                        leaf.size(),
                        leaf.prot().read(),
                        leaf.prot().write());
            }
            if (table.allocatedTablePages() > PageTableBudget.HOST_TABLE_PAGES) {
                throw new IllegalStateException("the journal's leaves " + run + " took the table past "
                        + PageTableBudget.HOST_TABLE_PAGES + " table pages: the journal is damaged");
            }
        });
    }

    /** The run's leaves are contiguous from its IOVA: one unmap takes them all, as it would one by one. */
    private void unmap(List<Mapping> runs) {
        if (table != null) { // nothing is mapped before the first map
            runs.forEach(run -> table.unmap(run.iova(), run.length()));
        }
    }

    /**
     * A journaled run is leaves the rules chose: pages of one of this table's sizes, aligned to it, inside
     * its address width, and no more than the budget's table pages could hold. Anything else comes from a
     * damaged or crafted journal, and mapping it would split it into pages (2^28 of them for 2^40 bytes
     * on a 4 KiB table) or allocate without bound: it is refused before any allocation.
     */
    private void requireLeaves(Mapping run) {
        long size = run.size();
        boolean onePage = Long.bitCount(size) == 1 && (pageSizes.bits() & size) != 0;
        boolean aligned = onePage && (run.iova() & (size - 1)) == 0 && (run.paddr() & (size - 1)) == 0;
        long width = addressWidth;
        // leaves of one size inside the address width: fewer than 2^(width - log2 size) of them
        boolean fits = aligned && run.count() <= (1L << width) >>> Long.numberOfTrailingZeros(size);
        boolean inside = fits
                && Long.compareUnsigned(run.iova() + run.length() - 1, (1L << width) - 1) <= 0
                && Long.compareUnsigned(run.iova() + run.length() - 1, run.iova()) >= 0;
        boolean bounded = inside
                && new TablePageCount(addressWidth)
                                .add(run.iova(), size, run.count())
                                .pages()
                        <= PageTableBudget.HOST_TABLE_PAGES;
        if (!bounded) {
            throw new IllegalStateException("the journal holds the leaves " + run + ", which are not "
                    + (inside
                            ? "within the " + PageTableBudget.HOST_TABLE_PAGES + " table pages a host may hold"
                            : "pages of this domain's table")
                    + " (page sizes 0x" + Long.toHexString(pageSizes.bits()) + ", "
                    + addressWidth + "-bit addresses): the journal is damaged");
        }
    }

    /** A difference between the real table and the journaled mapping set, if any (walked leaf by leaf). */
    Optional<String> differenceFrom(IommuDomainMappings journaled) {
        List<IoMapping> actual = table == null ? List.of() : table.leaves();
        Iterator<IoMapping> expected = journaled
                .leaves()
                .map(m -> new IoMapping(
                        m.iova(),
                        m.paddr(),
                        m.size(),
                        (m.prot().read() ? IoMapping.READ : 0) | (m.prot().write() ? IoMapping.WRITE : 0)))
                .iterator();
        for (IoMapping leaf : actual) {
            if (!expected.hasNext()) {
                return Optional.of(differs(actual, journaled, leaf + " is not in the journal"));
            }
            IoMapping journaledLeaf = expected.next();
            if (!leaf.equals(journaledLeaf)) {
                return Optional.of(differs(actual, journaled, leaf + " vs " + journaledLeaf));
            }
        }
        return expected.hasNext()
                ? Optional.of(differs(actual, journaled, expected.next() + " is not in the table"))
                : Optional.empty();
    }

    private static String differs(List<IoMapping> actual, IommuDomainMappings journaled, String where) {
        return "page table holds " + actual.size() + " leaves, the journal " + journaled.leafCount()
                + " (first difference near " + where + ")";
    }

    TableDump dump() {
        return table == null
                ? new TableDump(List.of(), IoMappingChecksum.of(List.of()))
                : new TableDump(table.leaves(), table.checksum());
    }

    /** The physical address {@code iova} translates to, 0 when nothing maps it (as the kernel). */
    long translate(long iova) {
        return table == null ? 0 : table.iovaToPhys(iova);
    }

    /** Whether the off-heap table has been allocated (by a map). */
    boolean allocated() {
        return table != null;
    }

    @Override
    public void close() {
        if (table != null) {
            table.close();
        }
    }
}
