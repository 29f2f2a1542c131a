package dev.custody.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.IommuSpec;
import dev.custody.model.ObjectId;
import dev.custody.model.event.DeviceEvent.DriverBound;
import dev.custody.model.event.DomainEvent.DomainAllocated;
import dev.custody.model.event.DomainEvent.DomainRunsMapped;
import dev.custody.model.event.DomainEvent.DomainRunsUnmapped;
import dev.custody.model.event.DomainEvent.LegacyDomainMapped;
import dev.custody.model.event.DomainEvent.LegacyDomainUnmapped;
import dev.custody.model.event.FileEvent.FileOpened;
import dev.custody.model.event.FileEvent.IoasAreasUnmapped;
import dev.custody.model.event.FileEvent.IoasMapped;
import dev.custody.model.event.FileEvent.LegacyIoasUnmapped;
import dev.custody.model.event.FileEvent.LegacyType1Unmapped;
import dev.custody.model.event.FileEvent.Type1EntriesUnmapped;
import dev.custody.model.event.FileEvent.Type1Mapped;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.mapping.Prot;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.mapping.Type1Version;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.Sorted;
import dev.custody.rules.Kernel;
import dev.custody.rules.ModelRandomWalkTest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The requests older journals hold become exactly the facts the state of that version worked out from
 * them: the leaves, entries and areas removed and added, found with the state they apply to.
 */
class LegacyEventsTest {
    private static final long K4 = 0x1000;
    private static final long M2 = 0x20_0000;
    private static final DomainId KD = new DomainId(50);
    private static final FileId CONTAINER = new FileId(60);
    private static final FileId IOMMUFD = new FileId(61);
    private static final ObjectId IOAS = new ObjectId(1);

    /** A caller's domain, a type1 v2 container and an IOAS, each empty. */
    private static KernelState empty() {
        KernelState state = Kernel.boot(ModelRandomWalkTest.topology()).state();
        return state.applyAll(List.of(
                new DomainAllocated(new DomainState(
                        KD,
                        "kd",
                        DomainKind.PAGING,
                        "dmar0",
                        new DomainUse.KernelCaller(IommuDomainMappings.empty(IommuSpec.DEFAULT_PAGE_SIZES, 48)))),
                new FileOpened(new OpenFile.VfioContainer(
                        CONTAINER, "c", true, Optional.of(Type1DmaSpace.empty(Type1Version.V2)), Sorted.emptyMap())),
                new FileOpened(new OpenFile.IommufdFile(
                        IOMMUFD,
                        "x",
                        true,
                        Sorted.map(Map.of(IOAS, new IommufdObject.Ioas(IOAS, "i", IoasSpace.empty()))),
                        2,
                        Optional.empty()))));
    }

    @Test
    void aLegacyMapBecomesTheLeavesItWasSplitInto() {
        List<KernelEvent> facts =
                LegacyEvents.upcast(empty(), new LegacyDomainMapped(KD, M2 - K4, M2 - K4, M2 + 2 * K4, true, false));
        assertEquals(
                List.of(new DomainRunsMapped(
                        KD,
                        List.of(
                                new Mapping(M2 - K4, M2 - K4, K4, Prot.READ),
                                new Mapping(M2, M2, M2, Prot.READ),
                                new Mapping(2 * M2, 2 * M2, K4, Prot.READ)))),
                facts);
    }

    @Test
    void aLegacyUnmapInsideALargeLeafTakesTheWholeLeaf() {
        KernelState state =
                empty().applyAll(LegacyEvents.upcast(empty(), new LegacyDomainMapped(KD, M2, 0, 2 * M2, true, true)));
        assertEquals(
                List.of(new DomainRunsUnmapped(KD, List.of(new Mapping(M2, 0, M2, Prot.READ_WRITE)))),
                LegacyEvents.upcast(state, new LegacyDomainUnmapped(KD, M2, K4)));
        assertEquals(
                List.of(), LegacyEvents.upcast(state, new LegacyDomainUnmapped(KD, 0x800, K4)), "misaligned: nothing");
    }

    @Test
    void aLegacyType1UnmapBecomesTheEntriesItRemoved() {
        KernelState state = empty().applyAll(List.of(
                new Type1Mapped(CONTAINER, 0x1_0000, 0x7f00_0001_0000L, 0x2000, true, true),
                new Type1Mapped(CONTAINER, 0x2_0000, 0x7f00_0002_0000L, 0x1000, true, false),
                new Type1Mapped(CONTAINER, 0x9_0000, 0x7f00_0009_0000L, 0x1000, true, false)));
        assertEquals(
                List.of(new Type1EntriesUnmapped(
                        CONTAINER,
                        List.of(
                                new DmaMapping(0x1_0000, 0x7f00_0001_0000L, 0x2000, Prot.READ_WRITE),
                                new DmaMapping(0x2_0000, 0x7f00_0002_0000L, 0x1000, Prot.READ)))),
                LegacyEvents.upcast(state, new LegacyType1Unmapped(CONTAINER, 0x1_0000, 0x2_0000, false)));
        assertEquals(
                List.of(),
                LegacyEvents.upcast(state, new LegacyType1Unmapped(CONTAINER, 0x1_1000, K4, false)),
                "v2: a range that bisects an entry was refused and removed nothing");
        assertEquals(
                3,
                ((Type1EntriesUnmapped) LegacyEvents.upcast(state, new LegacyType1Unmapped(CONTAINER, 0, 0, true))
                                .getFirst())
                        .entries()
                        .size(),
                "unmap-all");
    }

    @Test
    void aLegacyIoasUnmapCutShortKeepsTheAreasBelowTheCut() {
        KernelState state = empty().applyAll(List.of(
                new IoasMapped(IOMMUFD, IOAS, 0x10_0000, 0x1000, true, true),
                new IoasMapped(IOMMUFD, IOAS, 0x20_0000, 0x1000, true, false),
                new IoasMapped(IOMMUFD, IOAS, 0x30_0000, 0x4000, true, true)));
        IoasArea first = new IoasArea(0x10_0000, 0x1000, Prot.READ_WRITE);
        IoasArea second = new IoasArea(0x20_0000, 0x1000, Prot.READ);
        assertEquals(
                List.of(new IoasAreasUnmapped(IOMMUFD, IOAS, List.of(first, second))),
                LegacyEvents.upcast(state, new LegacyIoasUnmapped(IOMMUFD, IOAS, 0, 0x30_1000, false)),
                "native: ENOENT at the cut area, the two below it removed");
        assertEquals(
                List.of(),
                LegacyEvents.upcast(state, new LegacyIoasUnmapped(IOMMUFD, IOAS, 0x40_0000, K4, true)),
                "compat: an empty range removes nothing");
        assertEquals(
                3,
                ((IoasAreasUnmapped) LegacyEvents.upcast(
                                        state, new LegacyIoasUnmapped(IOMMUFD, IOAS, 0, Addresses.ULONG_MAX, false))
                                .getFirst())
                        .areas()
                        .size(),
                "(0, U64_MAX) unmaps everything");
    }

    @Test
    void aCurrentEventPassesThroughAndADecisionIsUpcastInOrder() {
        DriverBound bound = new DriverBound(
                ModelRandomWalkTest.topology().devices().firstEntry().getKey(), "e1000e");
        assertEquals(List.of(bound), LegacyEvents.upcast(empty(), bound));
        List<KernelEvent> current = List.of(bound);
        assertEquals(current, LegacyEvents.upcastAll(empty(), current));
        // the unmap sees the map before it in the same decision
        List<KernelEvent> decision =
                List.of(new LegacyDomainMapped(KD, 0, 0, 2 * K4, true, true), new LegacyDomainUnmapped(KD, K4, K4));
        assertEquals(
                List.of(
                        new DomainRunsMapped(KD, List.of(new Mapping(0, 0, K4, Prot.READ_WRITE, 2))),
                        new DomainRunsUnmapped(KD, List.of(new Mapping(K4, K4, K4, Prot.READ_WRITE)))),
                LegacyEvents.upcastAll(empty(), decision));
    }

    @Test
    void theStateRefusesALegacyEventThatWasNotUpcast() {
        assertThrows(IllegalStateException.class, () -> empty().apply(new LegacyDomainUnmapped(KD, 0, K4)));
    }
}
