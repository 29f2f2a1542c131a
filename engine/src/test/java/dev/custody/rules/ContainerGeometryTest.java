package dev.custody.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.scenario.RefusalsChangeNothing;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A type1 container's page size and valid IOVA list follow the groups in it (vfio_update_pgsize_bitmap,
 * vfio_iommu_resv_exclude): the smallest page every IOMMU supports and the narrowest aperture, set
 * when a group of a narrower IOMMU joins and restored when it leaves. A join whose IOMMU cannot
 * reach a mapping already made is refused (vfio_iommu_aper_conflict, EINVAL). The oracle's q35
 * guest has one IOMMU, so no scenario file reaches these.
 */
class ContainerGeometryTest {
    private static final long WIDE_LAST = (1L << 48) - 1;
    private static final long NARROW_LAST = (1L << 39) - 1;

    private static final String SETUP = """
            {"op": "vfio.container.open", "as": "c", "expect": "ok"},
            {"op": "vfio.group.open", "group": 1, "as": "g1", "expect": "ok"},
            {"op": "vfio.group.set_container", "fd": "g1", "container": "c", "expect": "ok"},
            {"op": "vfio.container.set_iommu", "fd": "c", "type": "type1v2", "expect": "ok"},
            {"op": "vfio.group.open", "group": 2, "as": "g2", "expect": "ok"}
            """;

    /** Runs the steps (every expectation must hold) and returns the container's type1 space. */
    private static Type1DmaSpace after(String steps) {
        String json = """
                {"name": "geometry",
                 "topology": {"iommus": [{"name": "dmar0", "pageSizes": ["4K", "2M", "1G"], "addressWidth": 48},
                                         {"name": "dmar1", "pageSizes": ["2M", "1G"], "addressWidth": 39},
                                         {"name": "dmar2", "pageSizes": ["2M"], "addressWidth": 48},
                                         {"name": "dmar3", "pageSizes": ["4K", "2M", "1G"], "addressWidth": 39}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"},
                               {"name": "0000:01:00.0", "iommu": "dmar1", "group": 2, "driver": "vfio-pci"},
                               {"name": "0000:02:00.0", "iommu": "dmar2", "group": 3, "driver": "vfio-pci"},
                               {"name": "0000:03:00.0", "iommu": "dmar3", "group": 4, "driver": "vfio-pci"}]},
                 "steps": [""" + SETUP + steps + "]}";
        return RefusalsChangeNothing.holds("geometry.json", json)
                .filesOf(VfioContainer.class)
                .findFirst()
                .orElseThrow()
                .iommu()
                .orElseThrow();
    }

    private static List<IovaRange> validUpTo(long last) {
        return List.of(new IovaRange(0, 0xfedfffffL), new IovaRange(0xfef00000L, last));
    }

    @Test
    void oneIommusGeometry() {
        Type1DmaSpace space = after("");
        assertEquals(4096, space.pageSize());
        assertEquals(validUpTo(WIDE_LAST), space.validRanges());
    }

    @Test
    void aNarrowerIommuJoiningNarrowsTheContainerAndLeavingRestoresIt() {
        Type1DmaSpace joined = after("""
                , {"op": "vfio.group.set_container", "fd": "g2", "container": "c", "expect": "ok"}
                """);
        assertEquals(2L << 20, joined.pageSize());
        assertEquals(validUpTo(NARROW_LAST), joined.validRanges());
        Type1DmaSpace left = after("""
                , {"op": "vfio.group.set_container", "fd": "g2", "container": "c", "expect": "ok"},
                  {"op": "vfio.group.unset_container", "fd": "g2", "container": "c", "expect": "ok"}
                """);
        assertEquals(4096, left.pageSize());
        assertEquals(validUpTo(WIDE_LAST), left.validRanges());
    }

    @Test
    void aJoinThatCannotReachAMappingIsRefused() {
        Type1DmaSpace space = after("""
                , {"op": "vfio.map_dma", "container": "c", "iova": "0x10000000000", "vaddr": "0x7f0000000000",
                   "size": "0x1000", "flags": ["READ", "WRITE"], "expect": "ok"},
                  {"op": "vfio.group.set_container", "fd": "g2", "container": "c", "expect": "EINVAL",
                   "expectState": {"group": 2, "ownerCnt": 0, "owner": null, "domain": "default"}},
                  {"op": "vfio.map_dma", "container": "c", "iova": "0x20000000000", "vaddr": "0x7f0000001000",
                   "size": "0x1000", "flags": ["READ", "WRITE"], "expect": "ok"}
                """);
        assertEquals(4096, space.pageSize());
        assertEquals(validUpTo(WIDE_LAST), space.validRanges());
    }

    /** The page size and the valid ranges each change on their own. */
    @Test
    void thePageSizeAndTheRangesChangeSeparately() {
        Type1DmaSpace coarser = after("""
                , {"op": "vfio.group.open", "group": 3, "as": "g3", "expect": "ok"},
                  {"op": "vfio.group.set_container", "fd": "g3", "container": "c", "expect": "ok"}
                """);
        assertEquals(2L << 20, coarser.pageSize());
        assertEquals(validUpTo(WIDE_LAST), coarser.validRanges());
        Type1DmaSpace narrower = after("""
                , {"op": "vfio.group.open", "group": 4, "as": "g4", "expect": "ok"},
                  {"op": "vfio.group.set_container", "fd": "g4", "container": "c", "expect": "ok"}
                """);
        assertEquals(4096, narrower.pageSize());
        assertEquals(validUpTo(NARROW_LAST), narrower.validRanges());
    }

    /** A container takes only the type1 IOMMU drivers: SPAPR TCE and no-IOMMU find none (ENODEV). */
    @Test
    void aContainerRefusesIommuTypesItHasNoDriverFor() {
        Type1DmaSpace space = after("""
                , {"op": "vfio.container.open", "as": "c2", "expect": "ok"},
                  {"op": "vfio.group.set_container", "fd": "g2", "container": "c2", "expect": "ok"},
                  {"op": "vfio.container.set_iommu", "fd": "c2", "type": "spapr-tce", "expect": "ENODEV"},
                  {"op": "vfio.container.set_iommu", "fd": "c2", "type": "noiommu", "expect": "ENODEV"},
                  {"op": "vfio.container.set_iommu", "fd": "c2", "type": "type1", "expect": "ok"}
                """);
        assertEquals(4096, space.pageSize());
    }
}
