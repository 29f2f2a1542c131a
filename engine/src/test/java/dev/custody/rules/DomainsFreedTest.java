package dev.custody.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.model.GroupId;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.KernelState;
import dev.custody.scenario.RefusalsChangeNothing;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a domain leaves behind when it goes: a default domain replaced through sysfs is freed, and a
 * destroyed HWPT gives its IOAS back the aperture and alignment it imposed (iopt_table_remove_domain);
 * DMA-FQ keeps the domain and changes its type.
 */
class DomainsFreedTest {

    private static KernelState after(String steps) {
        String json = """
                {"name": "freed",
                 "topology": {"iommus": [{"name": "dmar0"}],
                   "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1}]},
                 "steps": [""" + steps + "]}";
        return RefusalsChangeNothing.holds("freed.json", json);
    }

    @Test
    void aReplacedDefaultDomainIsFreed() {
        KernelState state = after("""
                {"op": "sysfs.group_type", "group": 1, "value": "identity", "expect": "ok"}
                """);
        List<DomainKind> groupDomains = state.domains().values().stream()
                .filter(d -> d.use().equals(new DomainUse.GroupCore(new GroupId(1))))
                .map(DomainState::kind)
                .toList();
        assertEquals(List.of(DomainKind.IDENTITY), groupDomains);
    }

    @Test
    void aDestroyedHwptGivesItsIoasBackTheWholeSpace() {
        after("""
                {"op": "driver.bind", "device": "0000:00:03.0", "driver": "vfio-pci", "expect": "ok"},
                {"op": "iommufd.open", "as": "X", "expect": "ok"},
                {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I", "expect": "ok"},
                {"op": "cdev.open", "device": "0000:00:03.0", "as": "v", "expect": "ok"},
                {"op": "cdev.bind", "fd": "v", "iommufd": "X", "expect": "ok"},
                {"op": "iommufd.hwpt_alloc", "iommufd": "X", "device": "v", "pt": "I", "as": "H", "expect": "ok"},
                {"op": "iommufd.iova_ranges", "ioas": "I", "expect": "ok",
                 "expectValue": {"ranges": [[0, 281474976710655]], "alignment": 4096}},
                {"op": "iommufd.destroy", "iommufd": "X", "id": "H", "expect": "ok"},
                {"op": "iommufd.iova_ranges", "ioas": "I", "expect": "ok",
                 "expectValue": {"ranges": [[0, "0xffffffffffffffff"]], "alignment": 1}},
                {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0x1000", "length": "0x800",
                 "flags": ["READABLE", "WRITEABLE", "FIXED_IOVA"], "expect": "ok"}
                """);
    }

    /** DMA to DMA-FQ only adds a flush queue to the default domain: same domain, new type. */
    @Test
    void aFlushQueueKeepsTheDefaultDomain() {
        KernelState before = after("");
        KernelState state = after("""
                {"op": "sysfs.group_type", "group": 1, "value": "DMA-FQ", "expect": "ok"},
                {"op": "state", "group": 1, "expect": "ok", "expectValue": {"type": "DMA-FQ"}}
                """);
        assertEquals(before.domains().keySet(), state.domains().keySet());
    }
}
