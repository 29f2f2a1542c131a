package dev.custody.sim;

import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.PciDeviceIds;
import dev.custody.model.Topology;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.SequencedMap;

/**
 * A machine for the stress run: {@code groups} IOMMU groups of mixed sizes (1 to 4 functions, as
 * multifunction cards without ACS give), a few devices that need firmware 1:1 mappings, a few absent
 * until hot-added, half of them on a kernel driver at boot; two IOMMU instances with different page sizes.
 */
public final class SimTopology {
    private SimTopology() {}

    /** The NIC {@link #withUntranslatedDevice} adds. */
    static final DeviceId UNTRANSLATED = new DeviceId("0001:00:00.0");

    private static final int[] GROUP_SIZES = {1, 2, 1, 3, 1, 2, 4, 1};

    /** The devices {@link #generate} puts on a host of {@code groups} groups, without building it. */
    public static long devices(int groups) {
        long devices = 0;
        for (int g = 1; g <= groups; g++) {
            devices += GROUP_SIZES[(g - 1) % GROUP_SIZES.length];
        }
        return devices;
    }

    /**
     * The machine a run of {@code schedule} works on. The random schedule's is {@link #generate}'s, so
     * every random run stays what it was; the guided schedule's adds a device no IOMMU translates.
     */
    public static Topology forRun(long seed, int groups, Schedule schedule) {
        Topology machine = generate(seed, groups);
        return schedule == Schedule.GUIDED ? withBridge(withUntranslatedDevice(withPciIds(machine))) : machine;
    }

    /**
     * {@code machine} with each device's PCI ids, by the driver it matches, so that a dynamic id
     * (new_id) attaches devices. Only the guided run's machine has them: the machines of the other
     * schedules stay as their journals, the committed ones among them, were written.
     */
    static Topology withPciIds(Topology machine) {
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        machine.devices()
                .forEach((id, spec) -> devices.put(
                        id, spec.withPciIds(Optional.of(spec.matches().contains("nvme") ? NVME_IDS : NIC_IDS))));
        return new Topology(machine.iommus(), machine.drivers(), devices);
    }

    /** The bridge {@link #withBridge} puts the first groups' devices below. */
    static final DeviceId BRIDGE = new DeviceId("0000:00:1c.0");
    /** The groups below {@link #BRIDGE}: a hot reset of one of their devices reaches them all. */
    static final int GROUPS_BELOW_BRIDGE = 6;

    /**
     * {@code machine} with the devices of groups 1 to {@link #GROUPS_BELOW_BRIDGE} on the secondary
     * bus of one PCI bridge (a slot with several isolated functions), so a bus reset of one of them
     * reaches devices of other groups: it is granted only to a caller that owns all those groups and
     * refused to one that holds some. Every other device sits on a root bus, where no reset is
     * possible (ENODEV). The bridge itself is left out of the devices, so the calls that pick
     * devices pick what they picked on a host without it, and a seed's other calls stay as they were.
     */
    static Topology withBridge(Topology machine) {
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        machine.devices()
                .forEach((id, spec) -> devices.put(
                        id,
                        spec.group().map(g -> g.number() <= GROUPS_BELOW_BRIDGE).orElse(false)
                                ? spec.withUpstreamBridge(Optional.of(BRIDGE))
                                : spec));
        return new Topology(machine.iommus(), machine.drivers(), devices);
    }

    /**
     * {@code machine} and one NIC on a second PCI segment that no IOMMU translates (a DMAR unit's
     * scope that leaves the segment out): it joins no group, so vfio-pci cannot take it and the
     * IOMMU core's calls find no group for it, while kernel drivers bind and unbind as usual.
     */
    static Topology withUntranslatedDevice(Topology machine) {
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>(machine.devices());
        DeviceId nic = UNTRANSLATED;
        devices.put(
                nic,
                new DeviceSpec(
                        nic, Optional.empty(), Optional.empty(), List.of("e1000e"), false, true, Optional.empty()));
        return new Topology(machine.iommus(), machine.drivers(), devices);
    }

    /** The ids of an 82574L and of a Samsung NVMe SSD, which dynamic ids (new_id) are matched against. */
    private static final PciDeviceIds NIC_IDS = new PciDeviceIds(0x8086, 0x10d3);

    private static final PciDeviceIds NVME_IDS = new PciDeviceIds(0x144d, 0xa808);

    public static Topology generate(long seed, int groups) {
        Random random = new Random(seed);
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        iommus.put("dmar1", new IommuSpec("dmar1", IommuSpec.SIZE_4K | IommuSpec.SIZE_2M, 39));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        int index = 0;
        for (int g = 1; g <= groups; g++) {
            int size = GROUP_SIZES[(g - 1) % GROUP_SIZES.length];
            String iommu = g % 5 == 0 ? "dmar1" : "dmar0";
            for (int function = 0; function < size; function++) {
                DeviceId id = new DeviceId(String.format("0000:%02x:%02x.%d", g / 32, g % 32, function));
                String driver = (index % 3 == 0) ? "nvme" : "e1000e";
                boolean present = !(size > 1 && function == size - 1 && g % 4 == 0);
                boolean requireDirect = index % 17 == 16;
                Optional<String> boot = present && random.nextBoolean() ? Optional.of(driver) : Optional.empty();
                devices.put(
                        id,
                        new DeviceSpec(
                                id,
                                Optional.of(iommu),
                                Optional.of(new GroupId(g)),
                                List.of(driver),
                                requireDirect,
                                present,
                                boot));
                index++;
            }
        }
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }
}
