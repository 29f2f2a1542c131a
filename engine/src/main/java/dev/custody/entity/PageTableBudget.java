package dev.custody.entity;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.event.DomainEvent;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.KernelState;
import dev.custody.nativeio.pagetable.TablePageCount;
import dev.custody.rules.Decision;
import java.util.List;
import java.util.Optional;

/**
 * The table pages the actor engine lets one host's domains hold. The pure model holds a table's leaves
 * as runs and has no bound, as the kernel has none but memory; but each domain actor keeps a real
 * off-heap table with every leaf in it (DomainPageTable), so one iommu_map of 1 TiB in 4 KiB pages
 * would take 2^28 leaves and 2 GiB of table pages there. The coordinator therefore counts, before it
 * records a decision, the table pages the decided tables need (arithmetically, from their runs:
 * {@link TablePageCount}), and answers a decision that would take the host past this budget with
 * ENOMEM and no events, as the kernel answers iommu_map when it cannot allocate page-table pages
 * (io-pgtable's table allocation failing): the whole call fails, its unwinding leaves nothing. The
 * model and the actors so never disagree: what the journal records always fits.
 */
final class PageTableBudget {
    private PageTableBudget() {}

    /**
     * 4,096 table pages of 4 KiB (16 MiB off-heap) per host: 8 GiB mapped in 4 KiB pages, 4 TiB in
     * 2 MiB pages. It also bounds the leaves a table can hold to 512 per page, which bounds what the
     * actor's check of its table against the journal walks.
     */
    static final long HOST_TABLE_PAGES = 1 << 12;

    /** The decision, or ENOMEM with nothing changed when the tables it leads to would not fit. */
    static Decision admit(KernelState before, Decision decision) {
        boolean maps = decision.events().stream()
                .anyMatch(
                        e -> e instanceof DomainEvent.DomainRunsMapped || e instanceof DomainEvent.DomainLeavesMapped);
        if (!maps || !decision.outcome().isOk()) {
            return decision;
        }
        long needed = 0;
        for (DomainState domain : decision.state().domains().values()) {
            Optional<IommuDomainMappings> table = domain.use().pageTable();
            if (table.isPresent()) {
                needed += tablePages(table.get());
            }
        }
        if (needed <= HOST_TABLE_PAGES) {
            return decision;
        }
        return new Decision(
                List.of(),
                Outcome.fail(
                        Errno.ENOMEM,
                        "the host's I/O page tables would need " + needed + " table pages of 4 KiB, more than the "
                                + HOST_TABLE_PAGES + " the engine's domains may hold"),
                before);
    }

    /** The table pages a real table holding these leaves has, the root included. */
    static long tablePages(IommuDomainMappings table) {
        TablePageCount count = new TablePageCount(table.addressWidth());
        for (Mapping run : table.runs()) {
            count.add(run.iova(), run.size(), run.count());
        }
        return count.pages();
    }
}
