package dev.custody.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.DomainId;
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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A domain actor's real page table takes only leaves that are pages of its sizes, within the host's
 * page-table budget: a damaged or crafted journal that holds a 2^40-byte "leaf" on a 4 KiB table (which
 * the table would split into 2^28 pages, exhausting memory), or a run of 2^28 leaves, is refused when the
 * table is rebuilt and when the leaves are applied.
 */
class JournaledLeafTest {
    private static final DomainId KD = new DomainId(4);
    private static final long FOUR_K = 1L << 12;

    @Test
    void aRebuildRefusesALeafThatIsNotOnePage() {
        KernelState slice = slice(IommuDomainMappings.empty(FOUR_K, 48)
                .withLeaves(List.of(new Mapping(0, 0, 1L << 40, Prot.READ_WRITE))));
        IllegalStateException refused = assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> assertThrows(IllegalStateException.class, () -> DomainPageTable.of(slice)));
        assertTrue(refused.getMessage().contains("not pages of this domain's table"), refused.getMessage());
    }

    @Test
    void aRebuildRefusesATablePastTheHostsPageBudget() {
        KernelState slice = slice(IommuDomainMappings.empty(FOUR_K, 48)
                .withLeaves(List.of(new Mapping(0, 0, FOUR_K, Prot.READ_WRITE, 1L << 28))));
        IllegalStateException refused = assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> assertThrows(IllegalStateException.class, () -> DomainPageTable.of(slice)));
        assertTrue(refused.getMessage().contains("the journal is damaged"), refused.getMessage());
    }

    @Test
    void anAppliedLeafThatIsNotOnePageIsRefusedAndOnePagesAreMapped() {
        KernelState slice = slice(IommuDomainMappings.empty(FOUR_K, 48));
        try (DomainPageTable table = DomainPageTable.of(slice).orElseThrow()) {
            table.apply(
                    new DomainEvent.DomainLeavesMapped(KD, List.of(new Mapping(0x1000, 0x5000, FOUR_K, Prot.READ))));
            assertEquals(0x5234, table.translate(0x1234));
            table.apply(
                    new DomainEvent.DomainRunsMapped(KD, List.of(new Mapping(0x10000, 0x20000, FOUR_K, Prot.READ, 3))));
            assertEquals(0x22345, table.translate(0x12345));
            table.apply(new DomainEvent.DomainRunsUnmapped(
                    KD, List.of(new Mapping(0x10000, 0x20000, FOUR_K, Prot.READ, 3))));
            assertEquals(0, table.translate(0x12345));
            for (Mapping bad : List.of(
                    new Mapping(0, 0, 1L << 40, Prot.READ_WRITE), // not a page size of the table
                    new Mapping(0x800, 0, FOUR_K, Prot.READ), // misaligned
                    new Mapping(1L << 48, 0, FOUR_K, Prot.READ), // beyond 48 bits
                    new Mapping(0x2000, 0, FOUR_K, Prot.READ, 1L << 28))) { // 2^19 table pages, past the budget
                assertTimeoutPreemptively(
                        Duration.ofSeconds(10),
                        () -> assertThrows(
                                IllegalStateException.class,
                                () -> table.apply(new DomainEvent.DomainRunsMapped(KD, List.of(bad)))));
            }
        }
    }

    private static KernelState slice(IommuDomainMappings mappings) {
        Topology none = new Topology(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
        DomainState domain =
                new DomainState(KD, "kd", DomainKind.PAGING, "dmar0", new DomainUse.KernelCaller(mappings));
        return new KernelState(
                none, Sorted.emptyMap(), Sorted.emptyMap(), Sorted.map(Map.of(KD, domain)), Sorted.emptyMap(), 5, 1);
    }
}
