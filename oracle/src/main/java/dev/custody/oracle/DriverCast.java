package dev.custody.oracle;

import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.Topology;
import dev.custody.ops.NotRealisable;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which guest driver plays each driver a scenario uses on each device. vfio-pci and pci-stub are
 * themselves. A device's first kernel-DMA driver is played by its QEMU device's own guest driver
 * (virtio-pci, nvme, ...); a second one by the test module's {@code custody-dma}, which a dynamic id
 * makes match that device, after the native driver, as the scenario's order of matches has it.
 * Any other driver that manages DMA itself (pcieport on an endpoint, a driver the guest lacks) is
 * played by the module's {@code custody-managed}, which binds through driver_override. A port's
 * own pcieport is itself.
 */
record DriverCast(
        Map<DeviceId, String> nativePlayed, Map<DeviceId, String> dmaStandIn, Map<DeviceId, String> managedStandIn) {
    /** The test module's DMA-API driver; it matches a device through a dynamic id. */
    static final String DMA_STAND_IN = "custody-dma";
    /** The test module's driver with driver_managed_dma; it binds through driver_override. */
    static final String MANAGED_STAND_IN = "custody-managed";
    /** DMA-API drivers the guest kernel has under the scenario's names: a third driver on a device is itself. */
    static final Set<String> GUEST_KERNEL_DMA_DRIVERS = Set.of("e1000e", "e1000", "nvme", "ahci", "virtio-pci");

    /** Whether the cast needs the test module's drivers. */
    boolean usesTestModule() {
        return !dmaStandIn.isEmpty() || !managedStandIn.isEmpty();
    }

    /** The guest driver that plays {@code driver} on {@code device}; {@code driver} itself when no stand-in does. */
    Optional<String> standIn(DeviceId device, String driver) {
        if (driver.equals(dmaStandIn.get(device))) {
            return Optional.of(DMA_STAND_IN);
        }
        if (driver.equals(managedStandIn.get(device))) {
            return Optional.of(MANAGED_STAND_IN);
        }
        return Optional.empty();
    }

    /** The scenario's driver a stand-in plays on the device. */
    Optional<String> played(DeviceId device, String guestDriver) {
        return switch (guestDriver) {
            case DMA_STAND_IN -> Optional.ofNullable(dmaStandIn.get(device));
            case MANAGED_STAND_IN -> Optional.ofNullable(managedStandIn.get(device));
            default -> Optional.empty();
        };
    }

    /**
     * Casts the scenario's drivers. {@code ports} are the devices the VM realises as PCIe ports,
     * whose pcieport is the guest's own; {@code fixed} are devices the VM has as they are (q35's own
     * functions) with their guest driver, which plays only the driver of that name.
     */
    static DriverCast of(Scenario scenario, Set<DeviceId> ports, Map<DeviceId, Optional<String>> fixed)
            throws NotRealisable {
        Topology topology = scenario.topology();
        Map<DeviceId, Set<String>> used = new LinkedHashMap<>();
        for (DeviceSpec device : topology.devices().values()) {
            Set<String> names = used.computeIfAbsent(device.id(), d -> new LinkedHashSet<>());
            device.bootDriver().ifPresent(names::add);
            for (String match : device.matches()) {
                if (GuestLayout.GUEST_MANAGED_DRIVERS.contains(match) || !isKernelDma(topology, match)) {
                    throw new NotRealisable(scenario.source() + ": device " + device.id() + " matches " + match
                            + " by id; the guest's " + match + " (or its stand-in) matches no ids");
                }
                names.add(match);
            }
        }
        for (Step step : scenario.steps()) {
            if (!step.op().equals("driver.bind") && !step.op().equals("driver.override")) {
                continue;
            }
            Optional<String> driver =
                    step.field("driver").filter(n -> n.isTextual()).map(n -> n.textValue());
            DeviceId device =
                    new DeviceId(step.field("device").map(n -> n.asText()).orElse(""));
            if (driver.isEmpty() || !used.containsKey(device)) {
                continue;
            }
            if (topology.driver(driver.get()).isEmpty()) {
                if (step.op().equals("driver.override")) {
                    continue; // any name can be written; one no driver has binds nothing, in both
                }
                throw new NotRealisable(scenario.source() + ": step " + step.number() + ": driver " + driver.get()
                        + " does not exist in the guest kernel");
            }
            used.get(device).add(driver.get());
        }
        Map<DeviceId, String> nativePlayed = new LinkedHashMap<>();
        Map<DeviceId, String> dmaStandIn = new LinkedHashMap<>();
        Map<DeviceId, String> managedStandIn = new LinkedHashMap<>();
        for (var entry : used.entrySet()) {
            DeviceId device = entry.getKey();
            List<String> kernelDma = new ArrayList<>();
            List<String> managed = new ArrayList<>();
            for (String driver : entry.getValue()) {
                if (isKernelDma(topology, driver)) {
                    kernelDma.add(driver);
                } else if (!GuestLayout.GUEST_MANAGED_DRIVERS.contains(driver)
                        && !(driver.equals(PciGuestHierarchy.PORT_DRIVER) && ports.contains(device))) {
                    managed.add(driver);
                }
            }
            if (managed.size() > 1) {
                throw new NotRealisable(scenario.source() + ": device " + device + " uses managed-DMA drivers "
                        + managed + " the guest lacks; custody-managed plays one on one device");
            }
            List<String> matchOrder = topology.device(device).matches();
            if (fixed.containsKey(device)) {
                Optional<String> own = fixed.get(device);
                List<String> others = kernelDma.stream()
                        .filter(d -> !own.equals(Optional.of(d)))
                        .toList();
                if (others.size() > 1) {
                    throw new NotRealisable(scenario.source() + ": device " + device + " is q35's own and uses"
                            + " kernel-DMA drivers " + others + " besides its own; custody-dma plays one");
                }
                own.filter(kernelDma::contains).ifPresent(d -> nativePlayed.put(device, d));
                others.stream().findFirst().ifPresent(d -> dmaStandIn.put(device, d));
                if (!managed.isEmpty()) {
                    managedStandIn.put(device, managed.get(0));
                }
                continue;
            }
            // drivers_probe tries the guest's own driver before the module's: keep the scenario's order
            kernelDma.sort(java.util.Comparator.comparingInt(
                    d -> matchOrder.contains(d) ? matchOrder.indexOf(d) : Integer.MAX_VALUE));
            if (kernelDma.size() > 2
                    && kernelDma.subList(2, kernelDma.size()).stream()
                            .anyMatch(d -> !GUEST_KERNEL_DMA_DRIVERS.contains(d))) {
                throw new NotRealisable(scenario.source() + ": device " + device + " uses kernel-DMA drivers "
                        + kernelDma + "; the VM plays two on one device (its own and custody-dma), and a third"
                        + " only when the guest has a driver of that name");
            }
            if (kernelDma.size() >= 2) {
                dmaStandIn.put(device, kernelDma.get(1));
            }
            if (!kernelDma.isEmpty()) {
                nativePlayed.put(device, kernelDma.get(0));
            }
            if (!managed.isEmpty()) {
                managedStandIn.put(device, managed.get(0));
            }
        }
        return new DriverCast(nativePlayed, dmaStandIn, managedStandIn);
    }

    static boolean isKernelDma(Topology topology, String driver) {
        return topology.driver(driver).map(d -> !d.managedDma()).orElse(false);
    }
}
