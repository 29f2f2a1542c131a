package dev.custody.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.ModelEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One map of 1 TiB in 4 KiB pages is 2^28 leaves, which the model holds one by one: it ended the
 * process with an OutOfMemoryError. It is refused with ENOMEM, changing nothing, by a caller's domain,
 * type1 and an IOAS (at the map, or at the attach that would fill a domain with it); a map within the
 * bound still maps and unmaps in parts. The timeouts bound a run that would otherwise exhaust the heap.
 */
class HugeMapTest {
    private static final String TOPOLOGY = """
            "topology": {"iommus": [{"name": "dmar0", "pageSizes": ["4K"]}],
                         "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1}]}""";

    private static List<ObjectNode> run(String steps) {
        List<ObjectNode> lines = new ArrayList<>();
        ScenarioRunner.run(
                ScenarioParser.parse("huge.json", "{" + TOPOLOGY + ", \"steps\": [" + steps + "]}"),
                new ModelEngine(),
                lines::add);
        for (ObjectNode line : lines.subList(0, lines.size() - 1)) {
            assertTrue(!line.has("match") || line.get("match").asBoolean(), line.toString());
        }
        assertEquals(
                0,
                lines.getLast().get("summary").get("mismatches").asInt(),
                lines.getLast().toString());
        return lines;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aCallersTebibyteMapIsRefusedAndAGibibyteOneMapsAndUnmapsInParts() {
        run("""
                {"op": "driver.bind", "device": "0000:00:03.0", "driver": "e1000e", "expect": "ok"},
                {"op": "iommu.domain_alloc", "device": "0000:00:03.0", "as": "D", "expect": "ok"},
                {"op": "iommu.attach_device", "domain": "D", "device": "0000:00:03.0", "expect": "ok"},
                {"op": "iommu.map", "domain": "D", "iova": "0x0", "paddr": "0x0", "size": "0x10000000000",
                 "prot": "rw", "expect": "ENOMEM"},
                {"op": "iommu.iova_to_phys", "domain": "D", "iova": "0x1000", "expect": "ok",
                 "expectValue": {"paddr": 0}},
                {"op": "iommu.map", "domain": "D", "iova": "0x0", "paddr": "0x100000000", "size": "0x20000000",
                 "prot": "rw", "expect": "ok", "expectValue": {"mapped": "0x20000000"}},
                {"op": "iommu.unmap", "domain": "D", "iova": "0x10000000", "size": "0x1000", "expect": "ok",
                 "expectValue": {"unmapped": "0x1000"}},
                {"op": "iommu.iova_to_phys", "domain": "D", "iova": "0x10000123", "expect": "ok",
                 "expectValue": {"paddr": 0}},
                {"op": "iommu.iova_to_phys", "domain": "D", "iova": "0x10001123", "expect": "ok",
                 "expectValue": {"paddr": "0x110001123"}},
                {"op": "iommu.unmap", "domain": "D", "iova": "0x0", "size": "0x10000000", "expect": "ok",
                 "expectValue": {"unmapped": "0x10000000"}},
                {"op": "iommu.unmap", "domain": "D", "iova": "0x10001000", "size": "0xffff000", "expect": "ok",
                 "expectValue": {"unmapped": "0xffff000"}}""");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aType1TebibyteMapIsRefused() {
        run("""
                {"op": "driver.bind", "device": "0000:00:03.0", "driver": "vfio-pci", "expect": "ok"},
                {"op": "vfio.container.open", "as": "c", "expect": "ok"},
                {"op": "vfio.group.open", "group": 1, "as": "g", "expect": "ok"},
                {"op": "vfio.group.set_container", "fd": "g", "container": "c", "expect": "ok"},
                {"op": "vfio.container.set_iommu", "fd": "c", "type": "type1v2", "expect": "ok"},
                {"op": "vfio.map_dma", "container": "c", "iova": "0x100000000", "vaddr": "0x7f0000000000",
                 "size": "0x10000000000", "flags": ["READ", "WRITE"], "expect": "ENOMEM"},
                {"op": "vfio.map_dma", "container": "c", "iova": "0x0", "vaddr": "0x7f0000000000",
                 "size": "0x1000000", "flags": ["READ", "WRITE"], "expect": "ok"},
                {"op": "vfio.unmap_dma", "container": "c", "iova": "0x0", "size": "0x1000000", "all": false,
                 "expect": "ok"}""");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anIoasTebibyteMapIsRefusedByItsDomainAtTheMapOrAtTheAttach() {
        run("""
                {"op": "driver.bind", "device": "0000:00:03.0", "driver": "vfio-pci", "expect": "ok"},
                {"op": "iommufd.open", "as": "X", "expect": "ok"},
                {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I", "expect": "ok"},
                {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0x100000000", "length": "0x10000000000",
                 "flags": ["READABLE", "WRITEABLE", "FIXED_IOVA"], "expect": "ok"},
                {"op": "cdev.open", "device": "0000:00:03.0", "as": "cA", "expect": "ok"},
                {"op": "cdev.bind", "fd": "cA", "iommufd": "X", "expect": "ok"},
                {"op": "cdev.attach", "fd": "cA", "pt": "I", "as": "H1", "expect": "ENOMEM"},
                {"op": "iommufd.ioas_unmap", "ioas": "I", "iova": "0x100000000", "length": "0x10000000000", "expect": "ok"},
                {"op": "cdev.attach", "fd": "cA", "pt": "I", "as": "H1", "expect": "ok"},
                {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0x100000000", "length": "0x10000000000",
                 "flags": ["READABLE", "WRITEABLE", "FIXED_IOVA"], "expect": "ENOMEM"},
                {"op": "iommu.iova_to_phys", "domain": "H1", "iova": "0x100001000", "expect": "ok",
                 "expectValue": {"paddr": 0}}""");
    }
}
