package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.ProcessCapability;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.GroupState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The guided cast's driver-core admin: sysfs bind, unbind and override, probe, hot-plug, the group type. */
final class GuidedDriverCore {
    private GuidedDriverCore() {}

    /** A real driver's name no topology of the simulation registers. */
    private static final String UNREGISTERED = "ixgbe";

    // ---- driver core: sysfs bind/unbind/override, probe, hot-plug, group type ----

    static List<GuidedAction> actions() {
        return List.of(
                bindMatching(),
                new GuidedAction(
                        "DriverUnbind",
                        p -> p.device(d -> d.driver().isPresent()).map(Command.DriverUnbind::new),
                        p -> p.device(d -> d.driver().isEmpty()).map(Command.DriverUnbind::new)),
                new GuidedAction(
                        "DriverProbe",
                        p -> p.device(d -> d.present() && d.driver().isEmpty()).map(Command.DriverProbe::new),
                        p -> p.device(d -> !d.present() || d.driver().isPresent())
                                .map(Command.DriverProbe::new)),
                new GuidedAction(
                        "DriverOverride",
                        p -> p.device(DeviceState::present)
                                .map(d -> new Command.DriverOverride(
                                        d,
                                        switch (p.random.nextInt(8)) {
                                            case 0, 1, 2, 3 -> Optional.of("vfio-pci");
                                            // sysfs takes any name: no driver matches until it is cleared
                                            case 4 -> Optional.of(UNREGISTERED);
                                            default -> Optional.empty();
                                        })),
                        p -> p.device(d -> !d.present())
                                .map(d -> new Command.DriverOverride(d, Optional.of("vfio-pci")))),
                new GuidedAction(
                        "FailNextProbe",
                        p -> p.device(DeviceState::present)
                                .map(d -> new Command.FailNextProbe(
                                        d, p.random.nextBoolean() ? Errno.ENODEV : Errno.ENOMEM)),
                        p -> p.device(d -> !d.present()).map(d -> new Command.FailNextProbe(d, Errno.ENODEV))),
                new GuidedAction(
                        "DeviceAdd",
                        p -> p.device(d -> !d.present()).map(Command.DeviceAdd::new),
                        p -> p.device(DeviceState::present).map(Command.DeviceAdd::new)),
                new GuidedAction(
                        "DeviceRemove",
                        p -> p.device(DeviceState::present).map(Command.DeviceRemove::new),
                        p -> p.device(d -> !d.present()).map(Command.DeviceRemove::new)),
                new GuidedAction(
                        "SysfsGroupType",
                        p -> p.group(g -> g.ownerCnt() == 0 || p.random.nextInt(4) == 0)
                                .map(g -> new Command.SysfsGroupType(
                                        g.id(),
                                        GuidedCast.GROUP_TYPES.get(p.random.nextInt(GuidedCast.GROUP_TYPES.size())),
                                        Set.of(ProcessCapability.SYS_ADMIN, ProcessCapability.SYS_RAWIO))),
                        p -> GuidedCast.some(new Command.SysfsGroupType(
                                p.anyGroupId(),
                                p.random.nextBoolean() ? "DMA" : "paging",
                                List.of(
                                                Set.<ProcessCapability>of(),
                                                Set.of(ProcessCapability.SYS_RAWIO),
                                                Set.of(ProcessCapability.SYS_ADMIN),
                                                Set.of(ProcessCapability.SYS_ADMIN, ProcessCapability.SYS_RAWIO))
                                        .get(p.random.nextInt(4))))),
                new GuidedAction(
                        "QueryGroup",
                        p -> p.group(g -> true).map(g -> new Command.QueryGroup(g.id())),
                        p -> GuidedCast.some(new Command.QueryGroup(new GroupId(100_000 + p.random.nextInt(4))))));
    }

    /** sysfs bind of a driver the device matches (or its override names), on a present unbound device. */
    private static GuidedAction bindMatching() {
        return new GuidedAction(
                "DriverBind",
                p -> p.device(d -> d.present()
                                && d.driver().isEmpty()
                                && !d.override().map(UNREGISTERED::equals).orElse(false))
                        .map(d -> {
                            DeviceState device = p.state.device(d);
                            List<String> drivers =
                                    new ArrayList<>(p.state.spec(d).matches());
                            drivers.add("vfio-pci");
                            drivers.add("pci-stub");
                            // into an owned group only a driver that does not use the DMA API can bind
                            boolean owned =
                                    p.groupOfDevice(d).map(GroupState::isOwned).orElse(false);
                            String driver = device.override()
                                    .orElse(
                                            owned
                                                    ? (p.random.nextBoolean() ? "vfio-pci" : "pci-stub")
                                                    : drivers.get(p.random.nextInt(drivers.size())));
                            return new Command.DriverBind(d, driver);
                        }),
                p -> GuidedCast.some(new Command.DriverBind(
                        p.anyDevice(),
                        switch (p.random.nextInt(3)) {
                            case 0 -> "e1000e";
                            case 1 -> "nvme";
                            default -> UNREGISTERED; // no /sys/bus/pci/drivers/ixgbe/bind to open
                        })));
    }
}
