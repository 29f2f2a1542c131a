package dev.custody.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.event.DomainEvent;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.mapping.Prot;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.Sorted;
import dev.custody.rules.Decision;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's page-table budget counts the table pages of every domain of the host from their
 * runs, and turns a decision that would pass it into ENOMEM with no events and the state it started
 * from; a decision within it, or one that maps nothing, passes as it is.
 */
class PageTableBudgetTest {
    private static final DomainId A = new DomainId(4);
    private static final DomainId B = new DomainId(5);
    private static final long FOUR_K = 1L << 12;
    /** 4 GiB in 4 KiB pages: 2,048 leaf tables, 4 above them, one above those, and the root. */
    private static final Mapping FOUR_GIB = new Mapping(0, 0, FOUR_K, Prot.READ_WRITE, 1L << 20);

    @Test
    void aTableCountsItsRootAndTheTablesItsLeavesPassThrough() {
        assertEquals(1, PageTableBudget.tablePages(empty()));
        assertEquals(1 + 1 + 4 + 2048, PageTableBudget.tablePages(empty().withLeaves(List.of(FOUR_GIB))));
    }

    @Test
    void theBudgetIsTheHostsAcrossItsDomains() {
        KernelState before = host(empty().withLeaves(List.of(FOUR_GIB)), empty());
        KernelState after = host(empty().withLeaves(List.of(FOUR_GIB)), empty().withLeaves(List.of(FOUR_GIB)));
        Decision second = new Decision(
                List.of(new DomainEvent.DomainRunsMapped(B, List.of(FOUR_GIB))), Outcome.ok(Reply.NONE), after);
        Decision refused = PageTableBudget.admit(before, second);
        assertTrue(refused.events().isEmpty());
        assertSame(before, refused.state());
        assertTrue(
                refused.outcome() instanceof Outcome.Failed<Reply> failed && failed.errno() == Errno.ENOMEM,
                refused.outcome().toString());

        Decision first = new Decision(
                List.of(new DomainEvent.DomainRunsMapped(A, List.of(FOUR_GIB))), Outcome.ok(Reply.NONE), before);
        assertSame(first, PageTableBudget.admit(host(empty(), empty()), first));
        Decision unmapping = new Decision(
                List.of(new DomainEvent.DomainRunsUnmapped(B, List.of(FOUR_GIB))), Outcome.ok(Reply.NONE), before);
        assertSame(unmapping, PageTableBudget.admit(after, unmapping));
    }

    private static IommuDomainMappings empty() {
        return IommuDomainMappings.empty(FOUR_K, 48);
    }

    private static KernelState host(IommuDomainMappings a, IommuDomainMappings b) {
        Topology none = new Topology(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
        Map<DomainId, DomainState> domains = Map.of(
                A, new DomainState(A, "a", DomainKind.PAGING, "dmar0", new DomainUse.KernelCaller(a)),
                B, new DomainState(B, "b", DomainKind.PAGING, "dmar0", new DomainUse.KernelCaller(b)));
        return new KernelState(
                none, Sorted.emptyMap(), Sorted.emptyMap(), Sorted.map(domains), Sorted.emptyMap(), 6, 1);
    }
}
