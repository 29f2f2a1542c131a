package dev.custody.entity;

import dev.custody.model.event.DomainEvent;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.state.KernelState;
import dev.custody.nativeio.pagetable.IoMapping;
import dev.custody.nativeio.pagetable.IoPageTable;
import dev.custody.nativeio.pagetable.MapResult;
import dev.custody.nativeio.pagetable.PageSizeBitmap;
import java.util.List;
import java.util.Optional;

/**
 * A paging domain's real I/O page table: off-heap, in the x86-64 format, owned by the domain's actor.
 * It is rebuilt from the journaled mapping set when the actor recovers, kept in step with every map
 * and unmap after that, and checked against the journaled set each time, so a translation the actor
 * answers is one the journal can prove.
 */
final class DomainPageTable implements AutoCloseable {
    private final IoPageTable table;

    private DomainPageTable(IoPageTable table) {
        this.table = table;
    }

    /** The page table of the entity's domain, when it is a paging domain somebody maps (a caller, type1, an IOAS). */
    static Optional<DomainPageTable> of(KernelState slice) {
        return mappingsOf(slice).map(mappings -> {
            long sizes = mappings.pageSizeBitmap() & PageSizeBitmap.SUPPORTED;
            DomainPageTable built =
                    new DomainPageTable(new IoPageTable(new PageSizeBitmap(sizes), mappings.addressWidth()));
            for (Mapping leaf : mappings.runs()) {
                built.requireOnePage(leaf);
                MapResult result = built.table.map(
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
            return built;
        });
    }

    static Optional<IommuDomainMappings> mappingsOf(KernelState slice) {
        return slice.domains().values().stream()
                .findFirst()
                .flatMap(domain -> domain.use().pageTable());
    }

    /** Applies a persisted map or unmap to the real table: the leaves the rules decided, one by one. */
    void apply(KernelEvent event) {
        switch (event) {
            case DomainEvent.DomainLeavesMapped m ->
                m.leaves().forEach(leaf -> {
                    requireOnePage(leaf);
                    table.map(
                            leaf.iova(),
                            leaf.paddr(),
                            leaf.size(),
                            leaf.prot().read(),
                            leaf.prot().write());
                });
            case DomainEvent.DomainLeavesUnmapped u ->
                u.leaves().forEach(leaf -> table.unmap(leaf.iova(), leaf.size()));
            default -> {}
        }
    }

    /**
     * A journaled leaf is one page the rules chose: one of this table's page sizes, aligned to it, inside
     * its address width. Anything else comes from a damaged or crafted journal, and mapping it would split
     * it into pages (2^28 of them for 2^40 bytes on a 4 KiB table): it is refused before any allocation.
     */
    private void requireOnePage(Mapping leaf) {
        long size = leaf.size();
        boolean onePage = Long.bitCount(size) == 1 && (table.pageSizes().bits() & size) != 0;
        boolean aligned = onePage && (leaf.iova() & (size - 1)) == 0 && (leaf.paddr() & (size - 1)) == 0;
        boolean inside = aligned
                && Long.compareUnsigned(leaf.iova() + size - 1, leaf.iova()) >= 0
                && (table.addressWidth() >= 64
                        || Long.compareUnsigned(leaf.iova() + size - 1, (1L << table.addressWidth()) - 1) <= 0);
        if (!inside) {
            throw new IllegalStateException("the journal holds the leaf " + leaf + ", which is not one page of this"
                    + " domain's table (page sizes 0x"
                    + Long.toHexString(table.pageSizes().bits()) + ", "
                    + table.addressWidth() + "-bit addresses): the journal is damaged");
        }
    }

    /** A difference between the real table and the journaled mapping set, if any. */
    Optional<String> differenceFrom(IommuDomainMappings journaled) {
        List<IoMapping> expected = journaled.runs().stream()
                .map(m -> new IoMapping(
                        m.iova(),
                        m.paddr(),
                        m.size(),
                        (m.prot().read() ? IoMapping.READ : 0) | (m.prot().write() ? IoMapping.WRITE : 0)))
                .toList();
        List<IoMapping> actual = table.leaves();
        if (actual.equals(expected)) {
            return Optional.empty();
        }
        return Optional.of("page table holds " + actual.size() + " leaves, the journal " + expected.size()
                + " (first difference near " + firstDifference(actual, expected) + ")");
    }

    private static String firstDifference(List<IoMapping> actual, List<IoMapping> expected) {
        for (int i = 0; i < Math.min(actual.size(), expected.size()); i++) {
            if (!actual.get(i).equals(expected.get(i))) {
                return actual.get(i) + " vs " + expected.get(i);
            }
        }
        return actual.size() > expected.size()
                ? actual.get(expected.size()).toString()
                : expected.get(actual.size()).toString();
    }

    TableDump dump() {
        return new TableDump(table.leaves(), table.checksum());
    }

    long translate(long iova) {
        return table.iovaToPhys(iova);
    }

    @Override
    public void close() {
        table.close();
    }
}
