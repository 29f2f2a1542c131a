package dev.custody.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.custody.nativeio.pagetable.IoPageTable;
import dev.custody.nativeio.pagetable.PageSizeBitmap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A paging domain that nobody has mapped yet holds no off-heap table (most domains are attached and
 * freed unmapped), and reads, dumps and compares as the empty table it stands for; the first map
 * allocates it.
 */
class UnmappedDomainTableTest {
    private static final DomainId KD = new DomainId(4);
    private static final long FOUR_K = 1L << 12;

    @Test
    void anUnmappedDomainAllocatesNoTableAndReadsAsAnEmptyOne() {
        IommuDomainMappings none = IommuDomainMappings.empty(FOUR_K, 48);
        try (DomainPageTable table = DomainPageTable.of(slice(none)).orElseThrow();
                IoPageTable empty = new IoPageTable(new PageSizeBitmap(FOUR_K), 48)) {
            assertFalse(table.allocated());
            assertEquals(0, table.translate(0x1234));
            assertEquals(new TableDump(empty.leaves(), empty.checksum()), table.dump());
            assertEquals(java.util.Optional.empty(), table.differenceFrom(none));
            table.apply(new DomainEvent.DomainRunsUnmapped(
                    KD, List.of(new Mapping(0x10000, 0x20000, FOUR_K, Prot.READ, 3))));
            assertFalse(table.allocated(), "an unmap of nothing allocates nothing");

            Mapping leaf = new Mapping(0x1000, 0x5000, FOUR_K, Prot.READ);
            table.apply(new DomainEvent.DomainLeavesMapped(KD, List.of(leaf)));
            assertTrue(table.allocated());
            assertEquals(0x5234, table.translate(0x1234));
            assertEquals(java.util.Optional.empty(), table.differenceFrom(none.withLeaves(List.of(leaf))));
        }
    }

    @Test
    void aRebuiltDomainWithMappingsHasItsTable() {
        Mapping leaf = new Mapping(0x1000, 0x5000, FOUR_K, Prot.READ);
        try (DomainPageTable table = DomainPageTable.of(
                        slice(IommuDomainMappings.empty(FOUR_K, 48).withLeaves(List.of(leaf))))
                .orElseThrow()) {
            assertTrue(table.allocated());
            assertEquals(0x5234, table.translate(0x1234));
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
