package dev.custody.oracle;

import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Topology;
import dev.custody.ops.NotRealisable;
import dev.custody.scenario.Scenario;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * How a scenario's topology becomes a q35 VM: every scenario group is one slot on the root bus, a
 * lone device as a single function (root-complex endpoints are isolated), a group of several as the
 * functions of one multifunction slot without ACS, which the kernel puts in one group. A group with
 * a device that comes back (absent at start, device.add) sits behind its own pcie-pci-bridge instead: a function hot-added to a multifunction slot is given a group of its own
 * (the kernel probes its IOMMU before it marks the function multifunction), while a device behind a
 * conventional bridge aliases to the bridge and joins the bridge's group, and the bridge's own
 * rescan file brings back only its devices. The bridge is a member of that group without a driver:
 * the group never empties (a device only removed therefore stays on the root bus, so that removing
 * a claimed group's last device WARNs as in the file), and iommu_attach_device, which wants a group
 * of one device, refuses it (such a file is not realisable). A device
 * whose scenario uses a kernel-DMA driver is a QEMU device whose guest driver plays that driver
 * (nvme for "nvme", virtio-pci for any other); a device that uses none is QEMU's edu device, which
 * no guest driver matches, so probing it binds nothing, as in the scenario.
 */
public final class GuestLayout {
    /** Managed-DMA drivers the guest kernel really has; the scenario's own managed drivers it has not. */
    static final Set<String> GUEST_MANAGED_DRIVERS = Set.of("vfio-pci", "pci-stub");

    private static final int FIRST_SLOT = 0x03;
    private static final int LAST_SLOT = 0x1e;
    /** Slots 1..8 of a bridge's secondary bus; the firmware numbers bridges' buses 1, 2, ... in slot order. */
    private static final int MAX_BEHIND_BRIDGE = 8;
    /** 4K, 2M and 1G: what QEMU's VT-d advertises (second-level large pages). */
    private static final long VTD_PAGE_SIZES = (1L << 12) | (1L << 21) | (1L << 30);

    private final Topology topology;
    private final SequencedMap<DeviceId, GuestDevice> devices;
    private final int addressWidth;
    private final DriverCast cast;

    /** The QEMU arguments of a hierarchy the file gives (a "pci" form, a machine's file); empty for the slot layout. */
    private final Optional<List<String>> hierarchyArguments;

    private GuestLayout(
            Topology topology,
            SequencedMap<DeviceId, GuestDevice> devices,
            int addressWidth,
            DriverCast cast,
            Optional<List<String>> hierarchyArguments) {
        this.topology = topology;
        this.devices = devices;
        this.addressWidth = addressWidth;
        this.cast = cast;
        this.hierarchyArguments = hierarchyArguments;
    }

    public static GuestLayout of(Scenario scenario) throws NotRealisable {
        Topology topology = scenario.topology();
        int width = iommuWidth(scenario);
        Set<DeviceId> pciPorts = PciGuestHierarchy.ports(scenario);
        // a pci form is built as itself, with or without ports; only a file without one is read as a machine's
        Optional<MachineFile> machine =
                PciGuestHierarchy.hasPciForm(scenario) ? Optional.empty() : MachineFile.of(scenario);
        Set<DeviceId> ports = machine.map(MachineFile::ports).orElse(pciPorts);
        DriverCast cast =
                DriverCast.of(scenario, ports, machine.map(MachineFile::builtIn).orElse(Map.of()));
        Map<DeviceId, String> played = cast.nativePlayed();
        Optional<PciGuestHierarchy> hierarchy = machine.isPresent()
                ? Optional.of(machine.get().hierarchy(played))
                : PciGuestHierarchy.of(scenario, played);
        if (hierarchy.isPresent()) {
            return checked(
                    scenario,
                    new GuestLayout(
                            topology,
                            hierarchy.get().devices(),
                            width,
                            cast,
                            Optional.of(hierarchy.get().arguments())));
        }
        SequencedMap<GroupId, List<DeviceSpec>> groups = groups(scenario);
        if (groups.size() > LAST_SLOT - FIRST_SLOT + 1) {
            throw new NotRealisable(scenario.source() + ": " + groups.size()
                    + " groups; the VM's root bus has room for " + (LAST_SLOT - FIRST_SLOT + 1));
        }
        Set<DeviceId> addedLater = addedLater(scenario);
        SequencedMap<DeviceId, GuestDevice> devices = new LinkedHashMap<>();
        int slot = FIRST_SLOT;
        int bridges = 0;
        for (List<DeviceSpec> members : groups.values()) {
            boolean behindBridge = members.stream().anyMatch(m -> addedLater.contains(m.id()));
            if (behindBridge) {
                refuseSingleDeviceCalls(scenario, members);
            }
            if (members.size() > (behindBridge ? MAX_BEHIND_BRIDGE : 8)) {
                throw new NotRealisable(
                        scenario.source() + ": group of " + members.get(0).id() + " has " + members.size()
                                + " devices; the VM realises at most 8 in one group");
            }
            Optional<String> bridge =
                    behindBridge ? Optional.of(String.format("0000:00:%02x.0", slot)) : Optional.empty();
            int bus = behindBridge ? ++bridges : 0;
            for (int index = 0; index < members.size(); index++) {
                DeviceSpec spec = members.get(index);
                Optional<String> driver = Optional.ofNullable(played.get(spec.id()));
                GuestDevice.Kind kind = GuestDevice.Kind.playing(driver, behindBridge);
                String address = behindBridge
                        ? String.format("0000:%02x:%02x.0", bus, index + 1)
                        : String.format("0000:00:%02x.%d", slot, index);
                devices.put(spec.id(), new GuestDevice(spec.id(), address, kind, driver, bridge));
            }
            slot++;
        }
        return checked(scenario, new GuestLayout(topology, devices, width, cast, Optional.empty()));
    }

    /**
     * custody-dma matches the devices it stands in on through a dynamic id, which every device of the
     * same QEMU kind matches too; another device of that kind that the scenario probes (drivers_probe,
     * hot-add) would then find it where the file says it does not. The set-up unbinds what the id
     * bound at once.
     */
    private static GuestLayout checked(Scenario scenario, GuestLayout layout) throws NotRealisable {
        Set<DeviceId> probed = new java.util.HashSet<>();
        scenario.steps().stream()
                .filter(s -> s.op().equals("driver.probe") || s.op().equals("device.add"))
                .forEach(s -> probed.add(
                        new DeviceId(s.field("device").map(n -> n.asText()).orElse(""))));
        for (DeviceId device : layout.cast.dmaStandIn().keySet()) {
            GuestDevice.Kind kind = layout.device(device).kind();
            Optional<GuestDevice> other = layout.devices.values().stream()
                    .filter(d -> !d.scenarioName().equals(device) && d.kind() == kind)
                    .filter(d -> probed.contains(d.scenarioName()))
                    .findFirst();
            if (other.isPresent()) {
                throw new NotRealisable(scenario.source() + ": custody-dma stands in for "
                        + layout.cast.dmaStandIn().get(device) + " on " + device + " through its id, which "
                        + other.get().scenarioName() + " has too");
            }
            if (kind.pciId().isEmpty()) {
                throw new NotRealisable(scenario.source() + ": " + device + " has no id custody-dma can match");
            }
        }
        return layout;
    }

    /** Whether the guest needs the oracle's test module for this layout's drivers. */
    public boolean usesTestModule() {
        return cast.usesTestModule();
    }

    /** "driver vendor device" for each dynamic id the set-up gives a stand-in driver. */
    public List<String> dynamicIds() {
        return cast.dmaStandIn().keySet().stream()
                .map(d ->
                        DriverCast.DMA_STAND_IN + " " + device(d).kind().pciId().orElseThrow())
                .distinct()
                .toList();
    }

    public SequencedMap<DeviceId, GuestDevice> devices() {
        return devices;
    }

    public GuestDevice device(DeviceId id) {
        GuestDevice device = devices.get(id);
        if (device == null) {
            throw new IllegalArgumentException("no guest device for " + id);
        }
        return device;
    }

    public Optional<GuestDevice> byAddress(String address) {
        return devices.values().stream()
                .filter(d -> d.address().equals(address))
                .findFirst();
    }

    public Topology topology() {
        return topology;
    }

    /** The intel-iommu option and one -device per endpoint, in slot and function order. */
    public List<String> qemuArguments() {
        List<String> args = new ArrayList<>();
        args.add("-global");
        args.add("intel-iommu.aw-bits=" + addressWidth);
        if (hierarchyArguments.isPresent()) {
            args.addAll(hierarchyArguments.get());
            return args;
        }
        for (GuestDevice device : devices.values()) {
            if (device.bridge().isPresent()) {
                String bridge = device.bridge().get();
                String id = "bridge" + bridge.substring(8, 10);
                if (!args.contains("pcie-pci-bridge,id=" + id + ",addr=" + bridge.substring(8, 10) + ".0")) {
                    args.add("-device");
                    args.add("pcie-pci-bridge,id=" + id + ",addr=" + bridge.substring(8, 10) + ".0");
                }
                String slot = device.address().substring(8, 10);
                StringBuilder arg = new StringBuilder(device.kind().qemuDevice)
                        .append(",bus=")
                        .append(id)
                        .append(",addr=")
                        .append(slot)
                        .append(".0");
                if (device.kind() == GuestDevice.Kind.NVME) {
                    arg.append(",serial=custody").append(id).append(slot);
                }
                args.add("-device");
                args.add(arg.toString());
                continue;
            }
            String[] parts = device.address().split("[:.]");
            int slot = Integer.parseInt(parts[2], 16);
            int function = Integer.parseInt(parts[3]);
            boolean multifunction = function == 0
                    && devices.values().stream()
                            .anyMatch(d ->
                                    d.address().startsWith(device.address().substring(0, 10)) && !d.equals(device));
            StringBuilder arg = new StringBuilder(device.kind().qemuDevice)
                    .append(",addr=")
                    .append(String.format("%02x.%d", slot, function));
            if (multifunction) {
                arg.append(",multifunction=on");
            }
            if (device.kind() == GuestDevice.Kind.NVME) {
                arg.append(",serial=custody").append(slot).append(function);
            }
            args.add("-device");
            args.add(arg.toString());
        }
        return args;
    }

    /**
     * The guest driver that stands for a scenario driver on a device: VFIO's and pci-stub are
     * themselves, the test module's drivers stand in where {@link DriverCast} says, a kernel-DMA
     * driver is the device's native one, and a port's pcieport is its own.
     */
    public String guestDriver(DeviceId device, String scenarioDriver) {
        Optional<String> standIn = cast.standIn(device, scenarioDriver);
        if (standIn.isPresent()) {
            return standIn.get();
        }
        if (GUEST_MANAGED_DRIVERS.contains(scenarioDriver)) {
            return scenarioDriver;
        }
        GuestDevice guest = device(device);
        if (guest.playedDriver().filter(scenarioDriver::equals).isPresent()
                || (scenarioDriver.equals(PciGuestHierarchy.PORT_DRIVER)
                        && guest.kind().nativeDriver().equals(Optional.of(scenarioDriver)))) {
            return guest.kind().nativeDriver().orElse(scenarioDriver);
        }
        return scenarioDriver;
    }

    /**
     * Whether binding the scenario's driver on the device goes through driver_override (it matches no
     * ids): not for a driver whose id table the scenario declares, whose bind then matches as written.
     */
    public boolean bindsThroughOverride(DeviceId device, String scenarioDriver) {
        if (topology.driver(scenarioDriver).flatMap(DriverSpec::idTable).isPresent()) {
            return false;
        }
        return GUEST_MANAGED_DRIVERS.contains(scenarioDriver)
                || cast.standIn(device, scenarioDriver).equals(Optional.of(DriverCast.MANAGED_STAND_IN));
    }

    /** The scenario's name for what the guest reports bound ("none" is no driver). */
    public Optional<String> scenarioDriver(DeviceId device, String guestDriver) {
        if (guestDriver.equals("none")) {
            return Optional.empty();
        }
        Optional<String> played = cast.played(device, guestDriver);
        if (played.isPresent()) {
            return played;
        }
        GuestDevice guest = device(device);
        if (guest.kind().nativeDriver().filter(guestDriver::equals).isPresent()) {
            return guest.playedDriver().or(() -> Optional.of(guestDriver));
        }
        return Optional.of(guestDriver);
    }

    /** The in-kernel calls that need a group of exactly one device (iommu_attach_device and its detach). */
    private static final Set<String> SINGLE_DEVICE_GROUP_CALLS = Set.of("iommu.attach_device", "iommu.detach_device");

    private static void refuseSingleDeviceCalls(Scenario scenario, List<DeviceSpec> members) throws NotRealisable {
        Set<String> names = new java.util.HashSet<>();
        members.forEach(m -> names.add(m.id().name()));
        for (var step : scenario.steps()) {
            String device = step.field("device").map(n -> n.asText()).orElse("");
            if (SINGLE_DEVICE_GROUP_CALLS.contains(step.op()) && names.contains(device)) {
                throw new NotRealisable(scenario.source() + ": " + step.op() + " on " + device
                        + ", whose group has a device added later: the VM puts that group behind a"
                        + " pcie-pci-bridge, a member of the group, and iommu_attach_device needs a group of one");
            }
        }
    }

    /** Devices that are absent at start or that a step adds. */
    private static Set<DeviceId> addedLater(Scenario scenario) {
        Set<DeviceId> devices = new java.util.HashSet<>();
        scenario.topology().devices().values().stream()
                .filter(d -> !d.present())
                .forEach(d -> devices.add(d.id()));
        scenario.steps().stream()
                .filter(s -> s.op().equals("device.add"))
                .forEach(s -> devices.add(
                        new DeviceId(s.field("device").map(n -> n.asText()).orElse(""))));
        return devices;
    }

    private static int iommuWidth(Scenario scenario) throws NotRealisable {
        Topology topology = scenario.topology();
        if (topology.iommus().size() != 1) {
            throw new NotRealisable(scenario.source() + ": topology has "
                    + topology.iommus().size() + " IOMMU instances; the VM has one intel-iommu");
        }
        IommuSpec iommu = topology.iommus().firstEntry().getValue();
        if (iommu.pageSizeBitmap() != VTD_PAGE_SIZES) {
            throw new NotRealisable(scenario.source() + ": IOMMU " + iommu.name() + " has page sizes 0x"
                    + Long.toHexString(iommu.pageSizeBitmap()) + "; QEMU's VT-d offers 4K, 2M and 1G");
        }
        if (iommu.addressWidth() != 48 && iommu.addressWidth() != 39) {
            throw new NotRealisable(scenario.source() + ": IOMMU " + iommu.name() + " has address width "
                    + iommu.addressWidth() + "; QEMU's VT-d offers 39 or 48");
        }
        for (DeviceSpec device : topology.devices().values()) {
            if (device.iommu().isEmpty()) {
                throw new NotRealisable(scenario.source() + ": device " + device.id()
                        + " has no IOMMU; every VM device sits behind one");
            }
            if (device.requireDirect()) {
                throw new NotRealisable(scenario.source() + ": device " + device.id()
                        + " requires a direct mapping (RMRR); QEMU's VT-d reports none");
            }
            if (device.group().isEmpty()) {
                throw new NotRealisable(scenario.source() + ": device " + device.id() + " has no group");
            }
        }
        return iommu.addressWidth();
    }

    private static SequencedMap<GroupId, List<DeviceSpec>> groups(Scenario scenario) {
        SequencedMap<GroupId, List<DeviceSpec>> groups =
                new TreeMap<>(java.util.Comparator.comparingInt(GroupId::number));
        for (DeviceSpec device : scenario.topology().devices().values()) {
            groups.computeIfAbsent(device.group().orElseThrow(), g -> new ArrayList<>())
                    .add(device);
        }
        return groups;
    }

    static boolean isKernelDma(Topology topology, String driver) {
        return DriverCast.isKernelDma(topology, driver);
    }

    static Optional<DriverSpec> spec(Topology topology, String driver) {
        return topology.driver(driver);
    }
}
