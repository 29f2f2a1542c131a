package dev.custody.rules;

import dev.custody.scenario.RefusalsChangeNothing;
import org.junit.jupiter.api.Test;

/**
 * VFIO_IOMMU_MAP_DMA and UNMAP_DMA on an iommufd's VFIO compat layer (iommufd_vfio_map_dma,
 * iommufd_vfio_unmap_dma): a map needs READ or WRITE, and an unmap really removes the area, so the
 * same IOVA maps again.
 */
class CompatMappingTest {

    @Test
    void aCompatMapNeedsAPermissionAndAnUnmapFreesItsIova() {
        String json = """
                {"name": "compat-map",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1, "driver": "vfio-pci"}]},
                 "steps": [
                   {"op": "iommufd.open", "as": "X", "expect": "ok"},
                   {"op": "vfio.group.open", "group": 1, "as": "g", "expect": "ok"},
                   {"op": "vfio.group.set_container", "fd": "g", "container": "X", "expect": "ok"},
                   {"op": "vfio.container.set_iommu", "fd": "X", "type": "type1v2", "expect": "ok"},
                   {"op": "vfio.map_dma", "container": "X", "iova": "0x100000", "vaddr": "0x7f0000000000",
                    "size": "0x1000", "flags": [], "expect": "EINVAL"},
                   {"op": "vfio.map_dma", "container": "X", "iova": "0x100000", "vaddr": "0x7f0000000000",
                    "size": "0x1000", "flags": ["READ"], "expect": "ok"},
                   {"op": "vfio.map_dma", "container": "X", "iova": "0x100000", "vaddr": "0x7f0000000000",
                    "size": "0x1000", "flags": ["READ"], "expect": "EEXIST"},
                   {"op": "vfio.unmap_dma", "container": "X", "iova": "0x100000", "size": "0x1000", "all": false,
                    "expect": "ok", "expectValue": {"size": 4096}},
                   {"op": "vfio.map_dma", "container": "X", "iova": "0x100000", "vaddr": "0x7f0000000000",
                    "size": "0x1000", "flags": ["WRITE"], "expect": "ok"}
                 ]}
                """;
        RefusalsChangeNothing.holds("compat.json", json);
    }
}
