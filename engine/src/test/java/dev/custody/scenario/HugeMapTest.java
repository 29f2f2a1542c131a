package dev.custody.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.ActorEngine;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.KernelEngine;
import dev.custody.api.ModelEngine;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.state.DomainState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One map of 1 TiB in 4 KiB pages is 2^28 leaves. The model holds them as runs, so a caller's domain,
 * type1 and an IOAS map, translate and unmap it in parts as the kernel would, with a table of a few
 * runs. The actor engine's domains hold real tables with every leaf, so there the same map answers
 * ENOMEM and changes nothing (the coordinator's page-table budget), while a map within the budget still
 * maps and unmaps in parts. The timeouts bound a run that would otherwise exhaust the heap.
 */
class HugeMapTest {
    private static final String TOPOLOGY = """
            "topology": {"iommus": [{"name": "dmar0", "pageSizes": ["4K"]}],
                         "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1}]}""";

    private static void run(KernelEngine engine, String steps) {
        List<ObjectNode> lines = new ArrayList<>();
        ScenarioRunner.run(
                ScenarioParser.parse("huge.json", "{" + TOPOLOGY + ", \"steps\": [" + steps + "]}"),
                engine,
                lines::add);
        for (ObjectNode line : lines.subList(0, lines.size() - 1)) {
            assertTrue(!line.has("match") || line.get("match").asBoolean(), line.toString());
        }
        assertEquals(
                0,
                lines.getLast().get("summary").get("mismatches").asInt(),
                lines.getLast().toString());
    }

    private static ActorEngine actors(String instance) {
        return ActorEngine.onJournal(CustodyRuntime.inMemoryJournal(), instance, Duration.ofSeconds(60));
    }

    /** The page table of the engine's only paging domain with one. */
    private static IommuDomainMappings onlyTable(KernelEngine engine) {
        List<IommuDomainMappings> tables = engine.state().domains().values().stream()
                .map(DomainState::use)
                .flatMap(use -> use.pageTable().stream())
                .toList();
        assertEquals(1, tables.size(), "tables: " + tables);
        return tables.getFirst();
    }

    private static final String CALLER_DOMAIN = """
            {"op": "driver.bind", "device": "0000:00:03.0", "driver": "e1000e", "expect": "ok"},
            {"op": "iommu.domain_alloc", "device": "0000:00:03.0", "as": "D", "expect": "ok"},
            {"op": "iommu.attach_device", "domain": "D", "device": "0000:00:03.0", "expect": "ok"},""";

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aCallersTebibyteMapIsAFewRunsThatTranslateAndUnmapInParts() {
        ModelEngine engine = new ModelEngine();
        run(engine, CALLER_DOMAIN + """
                {"op": "iommu.map", "domain": "D", "iova": "0x0", "paddr": "0x10000000000", "size": "0x10000000000",
                 "prot": "rw", "expect": "ok", "expectValue": {"mapped": "0x10000000000"}},
                {"op": "iommu.iova_to_phys", "domain": "D", "iova": "0xfffffff123", "expect": "ok",
                 "expectValue": {"paddr": "0x1fffffff123"}},
                {"op": "iommu.unmap", "domain": "D", "iova": "0x8000000000", "size": "0x1000", "expect": "ok",
                 "expectValue": {"unmapped": "0x1000"}},
                {"op": "iommu.iova_to_phys", "domain": "D", "iova": "0x8000000123", "expect": "ok",
                 "expectValue": {"paddr": 0}},
                {"op": "iommu.map", "domain": "D", "iova": "0x7fff000000", "paddr": "0x0", "size": "0x2000",
                 "prot": "rw", "expect": "EEXIST"},
                {"op": "iommu.unmap", "domain": "D", "iova": "0x0", "size": "0x10000000000", "expect": "ok",
                 "expectValue": {"unmapped": "0x8000000000"}},
                {"op": "iommu.iova_to_phys", "domain": "D", "iova": "0x8000001000", "expect": "ok",
                 "expectValue": {"paddr": "0x18000001000"}}""");
        IommuDomainMappings table = onlyTable(engine);
        assertEquals(1, table.runCount(), table.toString());
        assertEquals((1L << 27) - 1, table.leafCount());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theActorEngineRefusesATebibyteWithEnomemAndMapsAGibibyteWithinItsBudget() {
        try (ActorEngine engine = actors("huge-caller")) {
            run(engine, CALLER_DOMAIN + """
                    {"op": "iommu.map", "domain": "D", "iova": "0x0", "paddr": "0x0", "size": "0x10000000000",
                     "prot": "rw", "expect": "ENOMEM"},
                    {"op": "iommu.iova_to_phys", "domain": "D", "iova": "0x1000", "expect": "ok",
                     "expectValue": {"paddr": 0}},
                    {"op": "iommu.map", "domain": "D", "iova": "0x0", "paddr": "0x100000000", "size": "0x40000000",
                     "prot": "rw", "expect": "ok", "expectValue": {"mapped": "0x40000000"}},
                    {"op": "iommu.unmap", "domain": "D", "iova": "0x10000000", "size": "0x1000", "expect": "ok",
                     "expectValue": {"unmapped": "0x1000"}},
                    {"op": "iommu.iova_to_phys", "domain": "D", "iova": "0x10000123", "expect": "ok",
                     "expectValue": {"paddr": 0}},
                    {"op": "iommu.iova_to_phys", "domain": "D", "iova": "0x10001123", "expect": "ok",
                     "expectValue": {"paddr": "0x110001123"}},
                    {"op": "iommu.unmap", "domain": "D", "iova": "0x0", "size": "0x10000000", "expect": "ok",
                     "expectValue": {"unmapped": "0x10000000"}},
                    {"op": "iommu.unmap", "domain": "D", "iova": "0x10001000", "size": "0x2ffff000", "expect": "ok",
                     "expectValue": {"unmapped": "0x2ffff000"}}""");
            assertTrue(onlyTable(engine).isEmpty());
        }
    }

    private static final String TYPE1 = """
            {"op": "driver.bind", "device": "0000:00:03.0", "driver": "vfio-pci", "expect": "ok"},
            {"op": "vfio.container.open", "as": "c", "expect": "ok"},
            {"op": "vfio.group.open", "group": 1, "as": "g", "expect": "ok"},
            {"op": "vfio.group.set_container", "fd": "g", "container": "c", "expect": "ok"},
            {"op": "vfio.container.set_iommu", "fd": "c", "type": "type1v2", "expect": "ok"},
            {"op": "vfio.map_dma", "container": "c", "iova": "0x100000000", "vaddr": "0x7f0000000000",
             "size": "0x10000000000", "flags": ["READ", "WRITE"], "expect": "%s"},
            {"op": "vfio.map_dma", "container": "c", "iova": "0x0", "vaddr": "0x7f0000000000",
             "size": "0x1000000", "flags": ["READ", "WRITE"], "expect": "ok"},
            {"op": "vfio.unmap_dma", "container": "c", "iova": "0x0", "size": "0x1000000", "all": false,
             "expect": "ok"}""";

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aType1TebibyteMapsOnTheModelAndIsRefusedByTheActors() {
        ModelEngine model = new ModelEngine();
        run(model, TYPE1.formatted("ok"));
        IommuDomainMappings table = onlyTable(model);
        assertEquals(1L << 28, table.leafCount());
        assertTrue(table.runCount() <= 2, table.toString());
        try (ActorEngine engine = actors("huge-type1")) {
            run(engine, TYPE1.formatted("ENOMEM"));
            assertTrue(onlyTable(engine).isEmpty());
        }
    }

    private static final String IOAS_MAPPED = """
            {"op": "driver.bind", "device": "0000:00:03.0", "driver": "vfio-pci", "expect": "ok"},
            {"op": "iommufd.open", "as": "X", "expect": "ok"},
            {"op": "iommufd.ioas_alloc", "iommufd": "X", "as": "I", "expect": "ok"},
            {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0x100000000", "length": "0x10000000000",
             "flags": ["READABLE", "WRITEABLE", "FIXED_IOVA"], "expect": "ok"},
            {"op": "cdev.open", "device": "0000:00:03.0", "as": "cA", "expect": "ok"},
            {"op": "cdev.bind", "fd": "cA", "iommufd": "X", "expect": "ok"},""";

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anIoasTebibyteFillsTheModelsDomainAtTheAttach() {
        ModelEngine model = new ModelEngine();
        run(model, IOAS_MAPPED + """
                {"op": "cdev.attach", "fd": "cA", "pt": "I", "as": "H1", "expect": "ok"},
                {"op": "iommu.iova_to_phys", "domain": "H1", "iova": "0x100001000", "expect": "ok",
                 "expectValue": {"paddr": "0x7f0100001000"}}""");
        assertEquals(1L << 28, onlyTable(model).leafCount());
        assertEquals(1, onlyTable(model).runCount());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theActorsRefuseAnIoasTebibyteAtTheAttachOrTheMap() {
        try (ActorEngine engine = actors("huge-ioas")) {
            run(engine, IOAS_MAPPED + """
                    {"op": "cdev.attach", "fd": "cA", "pt": "I", "as": "H1", "expect": "ENOMEM"},
                    {"op": "iommufd.ioas_unmap", "ioas": "I", "iova": "0x100000000", "length": "0x10000000000",
                     "expect": "ok"},
                    {"op": "cdev.attach", "fd": "cA", "pt": "I", "as": "H1", "expect": "ok"},
                    {"op": "iommufd.ioas_map", "ioas": "I", "iova": "0x100000000", "length": "0x10000000000",
                     "flags": ["READABLE", "WRITEABLE", "FIXED_IOVA"], "expect": "ENOMEM"},
                    {"op": "iommu.iova_to_phys", "domain": "H1", "iova": "0x100001000", "expect": "ok",
                     "expectValue": {"paddr": 0}}""");
            assertTrue(onlyTable(engine).isEmpty());
        }
    }
}
