package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.Type1MapFlag;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The guided run's cast: the same clients as the random one (a driver-core admin, VFIO users, iommufd
 * users, an in-kernel shared-domain user, a DMA prober) plus an in-kernel user of the IOMMU core's own
 * calls (claims, attach, replace, iommu_map), each with the kinds of call it makes and how it picks
 * arguments that should be accepted or refused (see {@link GuidedAction}).
 */
final class GuidedCast {
    private GuidedCast() {}

    static final List<String> GROUP_TYPES = List.of("identity", "DMA", "DMA-FQ", "auto");
    static final Set<Type1MapFlag> RW = Set.of(Type1MapFlag.READ, Type1MapFlag.WRITE);
    static final Set<IoasMapFlag> IOAS_RW = Set.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE);

    static List<GuidedAction.Role> roles(int vfioUsers, int iommufdUsers) {
        List<GuidedAction.Role> roles = new ArrayList<>();
        List<GuidedAction> driverCore = new ArrayList<>(GuidedDriverCore.actions());
        driverCore.addAll(GuidedDynamicIds.actions());
        roles.add(new GuidedAction.Role("driver-core", driverCore));
        for (int i = 1; i <= vfioUsers; i++) {
            roles.add(new GuidedAction.Role("qemu" + i, GuidedVfioUser.actions()));
        }
        for (int i = 1; i <= iommufdUsers; i++) {
            roles.add(new GuidedAction.Role("vmm" + i, GuidedIommufdUser.actions()));
        }
        roles.add(new GuidedAction.Role("shared-domain", GuidedSharedDomain.actions()));
        roles.add(new GuidedAction.Role("kernel-user", GuidedKernelUser.actions()));
        roles.add(new GuidedAction.Role("dma-prober", List.of(GuidedIommuMap.iovaToPhys())));
        return roles;
    }

    static Optional<Command<?>> some(Command<?> command) {
        return Optional.of(command);
    }

    /** Takes a device for VFIO: unbind its kernel driver, or bind vfio-pci once it has none. */
    static List<GuidedAction> takeForVfio() {
        return List.of(
                new GuidedAction(
                        "DriverUnbind",
                        p -> p.device(d -> d.driver().isPresent()
                                        && !d.driver().get().equals("vfio-pci"))
                                .map(Command.DriverUnbind::new),
                        p -> p.device(d -> !d.present()).map(Command.DriverUnbind::new)),
                new GuidedAction(
                        "DriverBind",
                        p -> p.device(d -> d.present()
                                        && d.driver().isEmpty()
                                        && d.override().map("vfio-pci"::equals).orElse(true))
                                .map(d -> new Command.DriverBind(d, "vfio-pci")),
                        p -> p.device(d -> d.driver().isPresent()).map(d -> new Command.DriverBind(d, "vfio-pci"))));
    }

    /** A group file not yet in a container whose group no one holds: VFIO_GROUP_SET_CONTAINER can claim it. */
    static boolean unclaimedGroupFile(Pick p, OpenFile.VfioGroupFile file) {
        return file.group().isPresent()
                && !file.hasContainerOrIommufd()
                && p.state.group(file.group().get()).map(g -> g.ownerCnt() == 0).orElse(false);
    }

    /**
     * Opens /dev/vfio/N of a group that has a VFIO device and no open group file; three times in four
     * one whose devices no cdev has open either, so the VMMs' opened cdevs stay bindable (an open
     * group file refuses the bind, EBUSY) and their binds mostly succeed.
     */
    static GuidedAction groupOpen() {
        return new GuidedAction(
                "GroupOpen",
                p -> {
                    boolean spareCdevs = p.random.nextInt(4) != 0;
                    return p.group(g -> !p.state.vfioDevicesOf(g.id()).isEmpty()
                                    && p.state.openedGroupFile(g.id()).isEmpty()
                                    && p.state.cdevBoundCount(g.id()) == 0
                                    && (!spareCdevs || noOpenCdev(p, g.id())))
                            .map(g -> new Command.GroupOpen(g.id(), p.label("g")));
                },
                p -> p.group(g -> p.state.vfioDevicesOf(g.id()).isEmpty()
                                || p.state.openedGroupFile(g.id()).isPresent())
                        .map(g -> new Command.GroupOpen(g.id(), p.label("g"))));
    }

    private static boolean noOpenCdev(Pick p, GroupId group) {
        return p.state
                .filesOf(OpenFile.CdevFile.class)
                .noneMatch(c -> c.fdOpen() && p.state.spec(c.device()).group().equals(Optional.of(group)));
    }

    /** VFIO_GROUP_GET_DEVICE_FD of a VFIO device of the group, once the group has a container or iommufd. */
    static GuidedAction deviceFd() {
        return new GuidedAction(
                "GetDeviceFd",
                p -> p.myFile(OpenFile.VfioGroupFile.class, g -> g.group().isPresent() && g.hasContainerOrIommufd())
                        .flatMap(g -> p.one(p.state.vfioDevicesOf(g.group().get()).stream()
                                        .filter(d -> p.state.device(d).pending().isEmpty())
                                        .toList())
                                .map(d -> new Command.GetDeviceFd(Pick.file(g), d, p.label("d")))),
                p -> p.myFile(OpenFile.VfioGroupFile.class, g -> true)
                        .map(g -> new Command.GetDeviceFd(Pick.file(g), p.anyDevice(), p.label("d"))));
    }

    /** close(2) of one of the role's own fds; refused: an fd already closed or never open. */
    static GuidedAction close() {
        return new GuidedAction(
                "Close",
                p -> p.one(p.mine(OpenFile.class, f -> true)).map(f -> new Command.Close(Pick.file(f))),
                p -> some(new Command.Close(p.wrongHandle())));
    }

    static GuidedAction domainFree() {
        return new GuidedAction(
                "DomainFree",
                p -> p.one(p.myDomains(d -> p.state.groupsReferencing(d.id()).isEmpty() || p.random.nextInt(4) == 0))
                        .map(d -> new Command.DomainFree(new Handle.Domain(d.id()))),
                p -> some(new Command.DomainFree(p.wrongHandle())));
    }
}
