package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.ops.NotRealisable;
import dev.custody.scenario.Scenario;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestScriptTest {

    private static List<String> script(Scenario scenario) throws NotRealisable {
        return List.of(GuestScript.of(scenario, GuestLayout.of(scenario)).split("\n"));
    }

    @Test
    void setUpGivesTheStartingDriversRemovesAbsentDevicesAndReportsTheState() throws NotRealisable {
        List<String> lines = script(OracleScenarios.withSteps(""));
        assertEquals(
                List.of(
                        "- modules",
                        "-kernel kernel",
                        "- groups",
                        "- unbind 0000:00:03.0",
                        "- bind 0000:00:03.0 virtio-pci 0",
                        "- unbind 0000:00:03.1",
                        "- unbind 0000:00:04.0",
                        "- unbind 0000:01:01.0",
                        "- remove 0000:01:01.0",
                        "- state 0000:00:03.0 0000:00:03.1 0000:00:04.0 0000:01:01.0"),
                lines);
    }

    @Test
    void vfioBindsMayGoThroughATemporaryOverrideWhichTheAgentUsesOnlyWhenNoneIsSet() throws NotRealisable {
        List<String> lines = script(OracleScenarios.withSteps("""
                { "op": "driver.bind", "device": "0000:00:04.0", "driver": "vfio-pci" },
                { "op": "driver.override", "device": "0000:00:04.0", "driver": "vfio-pci" },
                { "op": "driver.bind", "device": "0000:00:04.0", "driver": "vfio-pci" },
                { "op": "driver.override", "device": "0000:00:04.0", "driver": null },
                { "op": "driver.bind", "device": "0000:00:04.0", "driver": "nvme" }"""));
        List<String> steps = lines.stream().filter(l -> !l.startsWith("-")).toList();
        assertEquals(
                List.of(
                        "1 bind 0000:00:04.0 vfio-pci 1",
                        "2 sysfs all /sys/bus/pci/devices/0000:00:04.0/driver_override vfio-pci",
                        "3 bind 0000:00:04.0 vfio-pci 1",
                        "4 sysfs all /sys/bus/pci/devices/0000:00:04.0/driver_override -",
                        "5 bind 0000:00:04.0 nvme 0"),
                steps);
    }

    @Test
    void iommufdCallsOnAnIoasUseTheIommufdItWasAllocatedFrom() throws NotRealisable {
        List<String> lines = script(OracleScenarios.withSteps("""
                { "op": "iommufd.open", "as": "X" },
                { "op": "iommufd.ioas_alloc", "iommufd": "X", "as": "A" },
                { "op": "iommufd.ioas_map", "ioas": "A", "length": 8192, "flags": ["READABLE", "WRITEABLE"] },
                { "op": "iommufd.ioas_map", "ioas": "A", "iova": "0x10000", "length": 4096, "flags": ["READABLE", "FIXED_IOVA"] },
                { "op": "iommufd.iova_ranges", "ioas": "A" },
                { "op": "vfio.group.open", "group": 1, "as": "g" },
                { "op": "vfio.unmap_dma", "container": "g", "all": true }"""));
        List<String> steps = lines.stream().filter(l -> !l.startsWith("-")).toList();
        assertEquals(
                List.of(
                        "1 open X iommufd",
                        "2 ioas-alloc X A",
                        "3 ioas-map X A - 0x2000 READABLE,WRITEABLE",
                        "4 ioas-map X A 0x10000 0x1000 READABLE,FIXED_IOVA",
                        "5 iova-ranges X A 64",
                        "6 open g vfio-group 0000:00:03.0",
                        "7 unmap-dma g 0x0 0x0 1"),
                steps);
    }

    @Test
    void inKernelCallsGoToTheTestModuleWithTheGroupAsItsMembersAddresses() throws NotRealisable {
        Scenario scenario = OracleScenarios.withSteps("""
                { "op": "iommu.group_claim", "group": 1, "owner": "me" },
                { "op": "iommu.domain_alloc", "device": "0000:00:04.0", "as": "d" },
                { "op": "iommu.map", "domain": "d", "iova": "0x200000", "paddr": "0x400000", "size": "0x1000", "prot": "r" },
                { "op": "iommu.replace_domain", "group": 2, "domain": null },
                { "op": "driver.fail_next_probe", "device": "0000:00:04.0", "errno": "ENOMEM" }""");
        List<String> lines =
                List.of(GuestScript.of(scenario, GuestLayout.of(scenario), true).split("\n"));
        assertEquals("-kmod load-kmod /custody-kmod.ko", lines.get(1));
        List<String> steps = lines.stream().filter(l -> !l.startsWith("-")).toList();
        assertEquals(
                List.of(
                        "1 kmod group-claim 0000:00:03.0,0000:00:03.1 me - 0x0 0x0 0x0 - 0",
                        "2 kmod domain-alloc 0000:00:04.0 - d 0x0 0x0 0x0 - 0",
                        "3 kmod map - - d 0x200000 0x400000 0x1000 r 0",
                        "4 kmod replace-domain 0000:00:04.0 - - 0x0 0x0 0x0 - 0",
                        "5 kmod fail-next-probe 0000:00:04.0 - - 0x0 0x0 0x0 - 12"),
                steps);
    }

    @Test
    void anOwnerThatCannotBePassedToTheAgentMakesTheScenarioNotRealisableNamingTheStep() {
        NotRealisable why = assertThrows(NotRealisable.class, () -> script(OracleScenarios.withSteps("""
                { "op": "state", "group": 1 },
                { "op": "iommu.group_claim", "group": 1, "owner": "two words" }""")));
        assertTrue(why.getMessage().startsWith("step 2 (iommu.group_claim): owner \"two words\""), why.getMessage());
    }

    private static final String EDU_PAIR = """
            {"iommus": [{"name": "dmar0"}], "devices": [
              {"name": "0000:00:03.0", "ids": "1234:11e8", "iommu": "dmar0", "group": 1},
              {"name": "0000:00:04.0", "IDS": "1234:11e8", "iommu": "dmar0", "group": 2}]}""";

    @Test
    void aNewIdIsPlayedOnlyWhereTheGuestDevicesCarryTheScenariosIds() throws NotRealisable {
        String both = EDU_PAIR.replace("IDS", "ids");
        List<String> steps = script(OracleScenarios.withTopology(both, """
                        { "op": "driver.new_id", "driver": "vfio-pci", "id": "0x1234 11E8" }""")).stream()
                .filter(l -> !l.startsWith("-"))
                .toList();
        assertEquals(List.of("1 new-id vfio-pci 1234 11e8"), steps);

        NotRealisable oneWithout = assertThrows(
                NotRealisable.class,
                () -> script(OracleScenarios.withTopology(EDU_PAIR.replace("\"IDS\": \"1234:11e8\", ", ""), """
                        { "op": "driver.new_id", "driver": "vfio-pci", "id": "1234 11e8" }""")));
        assertTrue(oneWithout.getMessage().contains("0000:00:04.0 is not"), oneWithout.getMessage());
        assertThrows(NotRealisable.class, () -> script(OracleScenarios.withTopology(both, """
                        { "op": "driver.new_id", "driver": "vfio-pci", "id": "1234 11e8 1af4" }""")));
        assertThrows(NotRealisable.class, () -> script(OracleScenarios.withTopology(both, """
                        { "op": "driver.new_id", "driver": "vfio-pci", "id": "1234 11e8 ffffffff ffffffff 20000 ff0000" }""")));
        NotRealisable anyDevice =
                assertThrows(NotRealisable.class, () -> script(OracleScenarios.withTopology(both, """
                        { "op": "driver.new_id", "driver": "vfio-pci", "id": "1234 ffffffff" }""")));
        assertTrue(anyDevice.getMessage().contains("any vendor or any device"), anyDevice.getMessage());
        NotRealisable unplayed =
                assertThrows(NotRealisable.class, () -> script(OracleScenarios.withTopology(both, """
                        { "op": "driver.new_id", "driver": "nvme", "id": "1234 11e8" }""")));
        assertTrue(unplayed.getMessage().contains("does not play nvme"), unplayed.getMessage());
    }

    @Test
    void longerWritesRemoveIdAndUnreadableTextGoToTheDriversFileAsWritten() throws NotRealisable {
        String both = EDU_PAIR.replace("IDS", "ids");
        List<String> steps = script(OracleScenarios.withTopology(both, """
                        { "op": "driver.new_id", "driver": "pci-stub", "id": "1234  11e8 ffffffff ffffffff 0 0 1" },
                        { "op": "driver.remove_id", "driver": "pci-stub", "id": "1234 11e8" },
                        { "op": "driver.new_id", "driver": "vfio-pci", "id": "zz" }""")).stream()
                .filter(l -> !l.startsWith("-"))
                .toList();
        assertEquals(
                List.of(
                        "1 id-write pci-stub new_id 1234 11e8 ffffffff ffffffff 0 0 1",
                        "2 id-write pci-stub remove_id 1234 11e8",
                        "3 id-write vfio-pci new_id zz"),
                steps);
    }
}
