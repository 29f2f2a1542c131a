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
                m.leaves()
                        .forEach(leaf -> table.map(
                                leaf.iova(),
                                leaf.paddr(),
                                leaf.size(),
                                leaf.prot().read(),
                                leaf.prot().write()));
            case DomainEvent.DomainLeavesUnmapped u ->
                u.leaves().forEach(leaf -> table.unmap(leaf.iova(), leaf.size()));
            default -> {}
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
