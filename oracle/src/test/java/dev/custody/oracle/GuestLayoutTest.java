package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.DeviceId;
import dev.custody.ops.NotRealisable;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GuestLayoutTest {

    @Test
    void everyGroupIsOneRootSlotAndItsDevicesAreFunctionsOrBehindABridgeWhenTheyComeAndGo() throws NotRealisable {
        GuestLayout layout = GuestLayout.of(OracleScenarios.withSteps(""));
        assertEquals("0000:00:03.0", layout.device(new DeviceId("0000:00:03.0")).address());
        assertEquals("0000:00:03.1", layout.device(new DeviceId("0000:00:03.1")).address());
        assertEquals("0000:00:04.0", layout.device(new DeviceId("0000:00:04.0")).address());
        assertEquals(
                "0000:01:01.0",
                layout.device(new DeviceId("0000:00:05.0")).address(),
                "a device absent at start sits behind its group's own bridge, on bus 1");
        assertEquals(
                "/sys/class/pci_bus/0000:01/rescan",
                layout.device(new DeviceId("0000:00:05.0")).rescanPath());
        assertEquals(
                "/sys/bus/pci/rescan",
                layout.device(new DeviceId("0000:00:04.0")).rescanPath());
        List<String> args = layout.qemuArguments();
        assertEquals(
                List.of(
                        "-global",
                        "intel-iommu.aw-bits=48",
                        "-device",
                        "virtio-net-pci,addr=03.0,multifunction=on",
                        "-device",
                        "edu,addr=03.1",
                        "-device",
                        "nvme,addr=04.0,serial=custody40",
                        "-device",
                        "pcie-pci-bridge,id=bridge05,addr=05.0",
                        "-device",
                        "edu,bus=bridge05,addr=01.0"),
                args);
    }

    @Test
    void kernelDmaDriversArePlayedByTheGuestsNativeDriverAndNamedBack() throws NotRealisable {
        GuestLayout layout = GuestLayout.of(OracleScenarios.withSteps(""));
        DeviceId nic = new DeviceId("0000:00:03.0");
        assertEquals("virtio-pci", layout.guestDriver(nic, "e1000e"));
        assertEquals("vfio-pci", layout.guestDriver(nic, "vfio-pci"));
        assertEquals(Optional.of("e1000e"), layout.scenarioDriver(nic, "virtio-pci"));
        assertEquals(Optional.of("pci-stub"), layout.scenarioDriver(nic, "pci-stub"));
        assertEquals(Optional.empty(), layout.scenarioDriver(nic, "none"));
        assertEquals("nvme", layout.guestDriver(new DeviceId("0000:00:04.0"), "nvme"));
    }

    @Test
    void whatTheVmCannotProvideIsRefusedWithTheReason() {
        NotRealisable twoIommus =
                assertThrows(NotRealisable.class, () -> GuestLayout.of(OracleScenarios.withTopology("""
                { "iommus": [ { "name": "a" }, { "name": "b" } ],
                  "devices": [ { "name": "x", "iommu": "a", "group": 1 }, { "name": "y", "iommu": "b", "group": 2 } ] }""", "")));
        assertTrue(twoIommus.getMessage().contains("2 IOMMU instances"), twoIommus.getMessage());

        NotRealisable direct =
                assertThrows(NotRealisable.class, () -> GuestLayout.of(OracleScenarios.withTopology("""
                { "iommus": [ { "name": "a" } ],
                  "devices": [ { "name": "x", "iommu": "a", "group": 1, "requireDirect": true } ] }""", "")));
        assertTrue(direct.getMessage().contains("x requires a direct mapping"), direct.getMessage());

        NotRealisable threeDrivers =
                assertThrows(NotRealisable.class, () -> GuestLayout.of(OracleScenarios.withTopology("""
                { "iommus": [ { "name": "a" } ],
                  "drivers": [ { "name": "x1" }, { "name": "x2" } ],
                  "devices": [ { "name": "0000:00:04.0", "iommu": "a", "group": 1, "matches": ["nvme", "x1", "x2"] } ] }""", "")));
        assertTrue(
                threeDrivers.getMessage().contains("0000:00:04.0 uses kernel-DMA drivers [nvme, x1, x2]"),
                threeDrivers.getMessage());
    }

    @Test
    void aSecondKernelDmaDriverAndAManagedDriverTheGuestLacksArePlayedByTheTestModule() throws NotRealisable {
        GuestLayout layout = GuestLayout.of(OracleScenarios.withSteps("""
                { "op": "driver.bind", "device": "0000:00:04.0", "driver": "e1000e" },
                { "op": "driver.bind", "device": "0000:00:03.1", "driver": "pcieport" }"""));
        DeviceId nvme = new DeviceId("0000:00:04.0");
        assertEquals("nvme", layout.guestDriver(nvme, "nvme"));
        assertEquals("custody-dma", layout.guestDriver(nvme, "e1000e"));
        assertEquals(Optional.of("e1000e"), layout.scenarioDriver(nvme, "custody-dma"));
        assertEquals(List.of("custody-dma 1b36 0010"), layout.dynamicIds());
        DeviceId plain = new DeviceId("0000:00:03.1");
        assertEquals("custody-managed", layout.guestDriver(plain, "pcieport"));
        assertTrue(layout.bindsThroughOverride(plain, "pcieport"));
        assertEquals(Optional.of("pcieport"), layout.scenarioDriver(plain, "custody-managed"));
        assertTrue(layout.usesTestModule());
    }
}
