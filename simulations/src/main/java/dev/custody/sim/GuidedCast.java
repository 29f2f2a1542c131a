package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.IommuType;
import dev.custody.model.IovaSpan;
import dev.custody.model.ProcessCapability;
import dev.custody.model.Type1MapFlag;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The guided run's cast: the same clients as the random one (a driver-core admin, VFIO users, iommufd
 * users, an in-kernel shared-domain user, a DMA prober) plus an in-kernel user of the IOMMU core's own
 * calls (claims, attach, replace, iommu_map), each with the kinds of call it makes and how it picks
 * arguments that should be accepted or refused (see {@link GuidedAction}).
 */
final class GuidedCast {
    private GuidedCast() {}

    private static final List<String> GROUP_TYPES = List.of("identity", "DMA", "DMA-FQ", "auto");
    private static final Set<Type1MapFlag> RW = Set.of(Type1MapFlag.READ, Type1MapFlag.WRITE);
    private static final Set<IoasMapFlag> IOAS_RW = Set.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE);

    static List<GuidedAction.Role> roles(int vfioUsers, int iommufdUsers) {
        List<GuidedAction.Role> roles = new ArrayList<>();
        roles.add(new GuidedAction.Role("driver-core", driverCore()));
        for (int i = 1; i <= vfioUsers; i++) {
            roles.add(new GuidedAction.Role("qemu" + i, vfioUser()));
        }
        for (int i = 1; i <= iommufdUsers; i++) {
            roles.add(new GuidedAction.Role("vmm" + i, iommufdUser()));
        }
        roles.add(new GuidedAction.Role("shared-domain", sharedDomain()));
        roles.add(new GuidedAction.Role("kernel-user", kernelUser()));
        roles.add(new GuidedAction.Role("dma-prober", List.of(prober())));
        return roles;
    }

    private static Optional<Command<?>> some(Command<?> command) {
        return Optional.of(command);
    }

    // ---- driver core: sysfs bind/unbind/override, probe, hot-plug, group type ----

    private static List<GuidedAction> driverCore() {
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
                                        d, p.random.nextBoolean() ? Optional.of("vfio-pci") : Optional.empty())),
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
                                        GROUP_TYPES.get(p.random.nextInt(GROUP_TYPES.size())),
                                        Set.of(ProcessCapability.SYS_ADMIN, ProcessCapability.SYS_RAWIO))),
                        p -> some(new Command.SysfsGroupType(
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
                        p -> some(new Command.QueryGroup(new GroupId(100_000 + p.random.nextInt(4))))));
    }

    /** sysfs bind of a driver the device matches (or its override names), on a present unbound device. */
    private static GuidedAction bindMatching() {
        return new GuidedAction(
                "DriverBind",
                p -> p.device(d -> d.present() && d.driver().isEmpty()).map(d -> {
                    DeviceState device = p.state.device(d);
                    List<String> drivers = new ArrayList<>(p.state.spec(d).matches());
                    drivers.add("vfio-pci");
                    drivers.add("pci-stub");
                    // into an owned group only a driver that does not use the DMA API can bind
                    boolean owned = p.groupOfDevice(d).map(GroupState::isOwned).orElse(false);
                    String driver = device.override()
                            .orElse(
                                    owned
                                            ? (p.random.nextBoolean() ? "vfio-pci" : "pci-stub")
                                            : drivers.get(p.random.nextInt(drivers.size())));
                    return new Command.DriverBind(d, driver);
                }),
                p -> some(new Command.DriverBind(p.anyDevice(), p.random.nextBoolean() ? "e1000e" : "nvme")));
    }

    /** Takes a device for VFIO: unbind its kernel driver, or bind vfio-pci once it has none. */
    private static List<GuidedAction> takeForVfio() {
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

    // ---- a QEMU on the VFIO group/container path ----

    private static List<GuidedAction> vfioUser() {
        List<GuidedAction> actions = new ArrayList<>(takeForVfio());
        actions.add(new GuidedAction(
                "ContainerOpen",
                p -> p.mine(OpenFile.VfioContainer.class, c -> true).size() < 2
                        ? some(new Command.ContainerOpen(p.label("c")))
                        : Optional.empty(),
                p -> Optional.empty()));
        actions.add(groupOpen());
        actions.add(new GuidedAction(
                "SetContainer",
                p -> {
                    Optional<OpenFile.VfioGroupFile> group =
                            p.myFile(OpenFile.VfioGroupFile.class, g -> unclaimedGroupFile(p, g));
                    Optional<OpenFile.VfioContainer> container = p.myFile(OpenFile.VfioContainer.class, c -> true);
                    return group.isPresent() && container.isPresent()
                            ? some(new Command.SetContainer(Pick.file(group.get()), Pick.file(container.get())))
                            : Optional.empty();
                },
                p -> p.myFile(OpenFile.VfioGroupFile.class, g -> true)
                        .map(g -> new Command.SetContainer(Pick.file(g), p.wrongHandle()))));
        actions.add(new GuidedAction(
                "UnsetContainer",
                p -> p.myFile(OpenFile.VfioGroupFile.class, OpenFile.VfioGroupFile::hasContainerOrIommufd)
                        .map(g -> new Command.UnsetContainer(Pick.file(g))),
                p -> p.myFile(OpenFile.VfioGroupFile.class, g -> !g.hasContainerOrIommufd())
                        .map(g -> new Command.UnsetContainer(Pick.file(g)))));
        actions.add(new GuidedAction(
                "ContainerSetIommu",
                p -> p.myFile(
                                OpenFile.VfioContainer.class,
                                c -> c.iommu().isEmpty()
                                        && !p.state.groupFilesIn(c.id()).isEmpty())
                        .map(c -> new Command.ContainerSetIommu(
                                Pick.file(c), p.random.nextInt(4) == 0 ? IommuType.TYPE1 : IommuType.TYPE1V2)),
                p -> p.myFile(OpenFile.VfioContainer.class, c -> true)
                        .map(c -> new Command.ContainerSetIommu(
                                Pick.file(c), p.random.nextBoolean() ? IommuType.SPAPR_TCE : IommuType.TYPE1V2))));
        actions.add(new GuidedAction(
                "ContainerCheckExtension",
                p -> p.myFile(OpenFile.VfioContainer.class, c -> true)
                        .map(c -> new Command.ContainerCheckExtension(
                                Pick.file(c), IommuType.values()[p.random.nextInt(IommuType.values().length)])),
                p -> some(new Command.ContainerCheckExtension(p.wrongHandle(), IommuType.TYPE1V2))));
        actions.add(new GuidedAction(
                "GroupStatus",
                p -> p.myFile(OpenFile.VfioGroupFile.class, g -> true).map(g -> new Command.GroupStatus(Pick.file(g))),
                p -> some(new Command.GroupStatus(p.wrongHandle()))));
        actions.add(deviceFd());
        actions.add(new GuidedAction(
                "Type1MapDma",
                p -> p.myFile(OpenFile.VfioContainer.class, c -> c.iommu().isPresent())
                        .map(c -> {
                            long iova = p.iova();
                            return new Command.Type1MapDma(Pick.file(c), iova, 0x7f00_0000_0000L + iova, p.size(), RW);
                        }),
                p -> p.myFile(OpenFile.VfioContainer.class, c -> true)
                        .map(c -> new Command.Type1MapDma(
                                Pick.file(c),
                                p.random.nextBoolean() ? p.misaligned() : 0,
                                0x7f00_0000_0000L,
                                p.random.nextBoolean() ? p.misaligned() : 0x1000,
                                p.random.nextInt(4) == 0 ? Set.of() : RW))));
        actions.add(new GuidedAction(
                "Type1UnmapDma",
                p -> p.myFile(OpenFile.VfioContainer.class, c -> c.iommu().isPresent())
                        .map(c -> p.random.nextInt(3) == 0
                                ? new Command.Type1UnmapDma(Pick.file(c), 0, 0, true)
                                : new Command.Type1UnmapDma(Pick.file(c), p.iova(), 0x20_0000L, false)),
                p -> p.myFile(OpenFile.VfioContainer.class, c -> true)
                        .map(c -> new Command.Type1UnmapDma(
                                Pick.file(c), p.misaligned(), 0x1000, p.random.nextBoolean()))));
        actions.add(close());
        return actions;
    }

    /** A group file not yet in a container whose group no one holds: VFIO_GROUP_SET_CONTAINER can claim it. */
    private static boolean unclaimedGroupFile(Pick p, OpenFile.VfioGroupFile file) {
        return file.group().isPresent()
                && !file.hasContainerOrIommufd()
                && p.state.group(file.group().get()).map(g -> g.ownerCnt() == 0).orElse(false);
    }

    /** Opens /dev/vfio/N of a group that has a VFIO device and no open group file. */
    private static GuidedAction groupOpen() {
        return new GuidedAction(
                "GroupOpen",
                p -> p.group(g -> !p.state.vfioDevicesOf(g.id()).isEmpty()
                                && p.state.openedGroupFile(g.id()).isEmpty()
                                && p.state.cdevBoundCount(g.id()) == 0)
                        .map(g -> new Command.GroupOpen(g.id(), p.label("g"))),
                p -> p.group(g -> p.state.vfioDevicesOf(g.id()).isEmpty()
                                || p.state.openedGroupFile(g.id()).isPresent())
                        .map(g -> new Command.GroupOpen(g.id(), p.label("g"))));
    }

    /** VFIO_GROUP_GET_DEVICE_FD of a VFIO device of the group, once the group has a container or iommufd. */
    private static GuidedAction deviceFd() {
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
    private static GuidedAction close() {
        return new GuidedAction(
                "Close",
                p -> p.one(p.mine(OpenFile.class, f -> true)).map(f -> new Command.Close(Pick.file(f))),
                p -> some(new Command.Close(p.wrongHandle())));
    }

    // ---- a VMM on iommufd and VFIO cdevs ----

    private static List<GuidedAction> iommufdUser() {
        List<GuidedAction> actions = new ArrayList<>(takeForVfio());
        actions.add(new GuidedAction(
                "IommufdOpen",
                p -> p.mine(OpenFile.IommufdFile.class, f -> true).size() < 2
                        ? some(new Command.IommufdOpen(p.label("x")))
                        : Optional.empty(),
                p -> Optional.empty()));
        actions.add(new GuidedAction(
                "IoasAlloc",
                p -> p.myFile(OpenFile.IommufdFile.class, f -> f.objects().size() < 6)
                        .map(x -> new Command.IoasAlloc(Pick.file(x), p.label("ioas"))),
                p -> some(new Command.IoasAlloc(p.wrongHandle(), p.label("ioas")))));
        actions.add(new GuidedAction(
                "CdevOpen",
                p -> p.mine(OpenFile.CdevFile.class, c -> true).size() < 4
                        ? p.device(d -> p.state.boundToVfio(d.id())
                                        && d.pending().isEmpty()
                                        && p.state
                                                .groupOf(d.id())
                                                .map(g -> p.state
                                                        .openedGroupFile(g.id())
                                                        .isEmpty())
                                                .orElse(false))
                                .map(d -> new Command.CdevOpen(d, p.label("cdev")))
                        : Optional.empty(),
                p -> p.device(d -> !p.state.boundToVfio(d.id())).map(d -> new Command.CdevOpen(d, p.label("cdev")))));
        actions.add(new GuidedAction(
                "CdevBind",
                p -> {
                    Optional<OpenFile.CdevFile> cdev =
                            p.myFile(OpenFile.CdevFile.class, c -> c.binding().isEmpty());
                    Optional<OpenFile.IommufdFile> ctx = p.myFile(OpenFile.IommufdFile.class, f -> true);
                    return cdev.isPresent() && ctx.isPresent()
                            ? some(new Command.CdevBind(Pick.file(cdev.get()), Pick.file(ctx.get())))
                            : Optional.empty();
                },
                p -> p.myFile(OpenFile.CdevFile.class, c -> true)
                        .map(c -> new Command.CdevBind(Pick.file(c), p.wrongHandle()))));
        actions.add(new GuidedAction(
                "CdevAttach",
                p -> p.myFile(OpenFile.CdevFile.class, c -> c.binding().isPresent())
                        .flatMap(c -> {
                            var ctx = p.state.fileAs(c.binding().get().iommufd(), OpenFile.IommufdFile.class);
                            List<IommufdObject> targets = ctx.objects().values().stream()
                                    .filter(o -> o instanceof IommufdObject.Ioas || o instanceof IommufdObject.Hwpt)
                                    .toList();
                            return p.one(targets)
                                    .map(t -> new Command.CdevAttach(
                                            Pick.file(c),
                                            Pick.object(ctx.id(), t.id()),
                                            t instanceof IommufdObject.Ioas
                                                    ? Optional.of(p.label("auto"))
                                                    : Optional.empty()));
                        }),
                p -> p.myFile(OpenFile.CdevFile.class, c -> c.binding().isEmpty())
                        .map(c -> new Command.CdevAttach(Pick.file(c), p.wrongHandle(), Optional.empty()))));
        actions.add(new GuidedAction(
                "CdevDetach",
                p -> p.myFile(OpenFile.CdevFile.class, c -> c.binding().isPresent())
                        .map(c -> new Command.CdevDetach(Pick.file(c))),
                p -> p.myFile(OpenFile.CdevFile.class, c -> c.binding().isEmpty())
                        .map(c -> new Command.CdevDetach(Pick.file(c)))));
        actions.add(new GuidedAction(
                "HwptAlloc",
                p -> p.one(p.myObjects(IommufdObject.Device.class, d -> true))
                        .flatMap(dev -> p.one(dev.ctx().objects().values().stream()
                                        .filter(o -> o instanceof IommufdObject.Ioas)
                                        .toList())
                                .map(ioas -> new Command.HwptAlloc(
                                        Pick.file(dev.ctx()),
                                        dev.handle(),
                                        Pick.object(dev.ctx().id(), ioas.id()),
                                        p.label("hwpt")))),
                p -> p.one(p.myObjects(IommufdObject.Hwpt.class, h -> true))
                        .map(h -> new Command.HwptAlloc(Pick.file(h.ctx()), h.handle(), h.handle(), p.label("hwpt")))));
        actions.add(new GuidedAction(
                "Destroy",
                p -> p.one(p.myObjects(IommufdObject.class, o -> !(o instanceof IommufdObject.Device)).stream()
                                .filter(o -> unused(o.ctx(), o.object()))
                                .toList())
                        .map(o -> new Command.Destroy(Pick.file(o.ctx()), o.handle())),
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                        .map(x -> new Command.Destroy(
                                Pick.file(x),
                                p.one(p.myObjects(IommufdObject.Device.class, d -> true))
                                        .map(Pick.Owned::handle)
                                        .orElse(new Handle.Number(0))))));
        actions.add(new GuidedAction(
                "IoasMap",
                p -> p.one(p.myObjects(IommufdObject.Ioas.class, i -> true))
                        .map(i -> new Command.IoasMap(
                                i.handle(),
                                p.random.nextBoolean() ? OptionalLong.of(p.iova()) : OptionalLong.empty(),
                                p.size(),
                                IOAS_RW)),
                p -> p.one(p.myObjects(IommufdObject.Ioas.class, i -> true))
                        .map(i -> new Command.IoasMap(
                                i.handle(),
                                OptionalLong.of(p.misaligned()),
                                p.random.nextBoolean() ? 0 : p.misaligned(),
                                p.random.nextInt(3) == 0 ? Set.of() : IOAS_RW))));
        actions.add(new GuidedAction(
                "IoasUnmap",
                p -> p.one(p.myObjects(IommufdObject.Ioas.class, i -> true))
                        .map(i -> p.random.nextInt(3) == 0
                                ? new Command.IoasUnmap(i.handle(), 0, -1L)
                                : new Command.IoasUnmap(i.handle(), p.iova(), 0x20_0000L)),
                p -> p.one(p.myObjects(IommufdObject.Ioas.class, i -> true))
                        .map(i -> new Command.IoasUnmap(i.handle(), p.misaligned(), 0x1000))));
        actions.add(new GuidedAction(
                "IoasIovaRanges",
                p -> p.one(p.myObjects(IommufdObject.Ioas.class, i -> true))
                        .map(i -> new Command.IoasIovaRanges(i.handle(), 1 + p.random.nextInt(8))),
                p -> p.one(p.myObjects(IommufdObject.Hwpt.class, h -> true))
                        .map(h -> new Command.IoasIovaRanges(h.handle(), 8))));
        actions.add(new GuidedAction(
                "IoasAllowIovas",
                p -> p.one(p.myObjects(IommufdObject.Ioas.class, i -> true))
                        .map(i -> new Command.IoasAllowIovas(
                                i.handle(),
                                p.random.nextBoolean()
                                        ? List.of()
                                        : List.of(new IovaSpan(
                                                0x1_0000_0000L,
                                                0x1_0000_0000L + 0x800_0000L * (1 + p.random.nextInt(4)) - 1)))),
                p -> p.one(p.myObjects(IommufdObject.Ioas.class, i -> true))
                        .map(i -> new Command.IoasAllowIovas(
                                i.handle(),
                                List.of(new IovaSpan(0xfee0_0000L, 0xfeef_ffffL), new IovaSpan(0x2000, 0x1000))))));
        // the VFIO group path on an iommufd (the compat layer): a group file set to an iommufd
        actions.add(groupOpen());
        actions.add(new GuidedAction(
                "SetContainer",
                p -> {
                    Optional<OpenFile.VfioGroupFile> group =
                            p.myFile(OpenFile.VfioGroupFile.class, g -> unclaimedGroupFile(p, g));
                    Optional<OpenFile.IommufdFile> ctx = p.myFile(OpenFile.IommufdFile.class, f -> true);
                    return group.isPresent() && ctx.isPresent()
                            ? some(new Command.SetContainer(Pick.file(group.get()), Pick.file(ctx.get())))
                            : Optional.empty();
                },
                p -> p.myFile(OpenFile.VfioGroupFile.class, g -> g.hasContainerOrIommufd())
                        .flatMap(g -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                                .map(x -> new Command.SetContainer(Pick.file(g), Pick.file(x))))));
        actions.add(deviceFd());
        actions.add(new GuidedAction(
                "UnsetContainer",
                p -> p.myFile(OpenFile.VfioGroupFile.class, OpenFile.VfioGroupFile::hasContainerOrIommufd)
                        .map(g -> new Command.UnsetContainer(Pick.file(g))),
                p -> some(new Command.UnsetContainer(p.wrongHandle()))));
        actions.add(new GuidedAction(
                "ContainerSetIommu",
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                        .map(x -> new Command.ContainerSetIommu(Pick.file(x), IommuType.TYPE1V2)),
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                        .map(x -> new Command.ContainerSetIommu(Pick.file(x), IommuType.SPAPR_TCE))));
        // type1 calls on /dev/iommu itself: the compat layer maps its IOAS as a container would
        actions.add(new GuidedAction(
                "Type1MapDma",
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true).map(x -> {
                    long iova = p.iova();
                    return new Command.Type1MapDma(Pick.file(x), iova, 0x7f00_0000_0000L + iova, p.size(), RW);
                }),
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                        .map(x -> new Command.Type1MapDma(Pick.file(x), p.misaligned(), 0, 0x1000, Set.of()))));
        actions.add(new GuidedAction(
                "Type1UnmapDma",
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                        .map(x -> p.random.nextInt(3) == 0
                                ? new Command.Type1UnmapDma(Pick.file(x), 0, 0, true)
                                : new Command.Type1UnmapDma(Pick.file(x), p.iova(), 0x20_0000L, false)),
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                        .map(x -> new Command.Type1UnmapDma(Pick.file(x), 0x1000, 0x1000, true))));
        actions.add(new GuidedAction(
                "ContainerCheckExtension",
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                        .map(x -> new Command.ContainerCheckExtension(
                                Pick.file(x), IommuType.values()[p.random.nextInt(IommuType.values().length)])),
                p -> p.myFile(OpenFile.CdevFile.class, c -> true)
                        .map(c -> new Command.ContainerCheckExtension(Pick.file(c), IommuType.TYPE1V2))));
        actions.add(close());
        return actions;
    }

    /**
     * Whether binding {@code cdev} to {@code ctx} can claim its device: the group has no other holder
     * (no kernel driver, no other owner) and no other fd of the device is open (vfio_df_open).
     */
    private static boolean claimable(Pick p, OpenFile.CdevFile cdev, OpenFile.IommufdFile ctx) {
        Optional<GroupState> group = p.state.groupOf(cdev.device());
        if (group.isEmpty()) {
            return false;
        }
        boolean free = group.get().ownerCnt() == 0
                || group.get()
                        .owner()
                        .map(o -> o.key().equals("iommufd:" + ctx.id().number()))
                        .orElse(false);
        // the group path and the cdev path exclude each other; a device being unbound cannot open
        free = free
                && p.state.openedGroupFile(group.get().id()).isEmpty()
                && p.state.device(cdev.device()).pending().isEmpty();
        boolean openElsewhere = p.state
                        .filesOf(OpenFile.CdevFile.class)
                        .anyMatch(c ->
                                c.device().equals(cdev.device()) && c.binding().isPresent())
                || p.state
                        .filesOf(OpenFile.VfioDeviceFile.class)
                        .anyMatch(f -> f.device().equals(cdev.device()));
        return free && !openElsewhere;
    }

    /** An IOAS no HWPT is built on, or a HWPT no device is attached to: IOMMU_DESTROY frees it. */
    private static boolean unused(OpenFile.IommufdFile ctx, IommufdObject object) {
        return ctx.objects().values().stream().noneMatch(o -> switch (o) {
            case IommufdObject.Hwpt h -> h.ioas().equals(object.id());
            case IommufdObject.Device d -> d.hwpt().map(object.id()::equals).orElse(false);
            default -> false;
        });
    }

    // ---- in-kernel users ----

    private static List<GuidedAction> sharedDomain() {
        return List.of(
                new GuidedAction(
                        "DomainAlloc",
                        p -> p.myDomains(d -> true).size() < 4
                                ? p.device(d -> d.present()).map(d -> new Command.DomainAlloc(d, p.label("d")))
                                : Optional.empty(),
                        p -> p.device(d -> !d.present()).map(d -> new Command.DomainAlloc(d, p.label("d")))),
                new GuidedAction(
                        "AttachShared",
                        p -> p.one(p.myDomains(d -> true))
                                .flatMap(domain -> p.device(d -> d.present()
                                                && p.state.groupOf(d.id()).isPresent()
                                                && p.state
                                                        .iommuOf(p.state
                                                                .groupOf(d.id())
                                                                .get())
                                                        .equals(domain.iommu())
                                                && heldByNoneOr(
                                                        p,
                                                        d.id(),
                                                        "shared-domain:"
                                                                + domain.id().number())
                                                && (d.driver().isEmpty() || p.random.nextInt(4) == 0))
                                        .map(d -> new Command.AttachShared(new Handle.Domain(domain.id()), d))),
                        p -> p.one(p.myDomains(d -> true))
                                .map(domain ->
                                        new Command.AttachShared(new Handle.Domain(domain.id()), p.anyDevice()))),
                new GuidedAction(
                        "DetachShared",
                        p -> p.one(p.myDomains(d -> true))
                                .flatMap(domain -> p.one(joined(p, domain))
                                        .map(d -> new Command.DetachShared(new Handle.Domain(domain.id()), d))),
                        p -> p.one(p.myDomains(d -> true))
                                .map(domain ->
                                        new Command.DetachShared(new Handle.Domain(domain.id()), p.anyDevice()))),
                domainFree());
    }

    /** Whether the device's group has no holder, or only the owner whose key is {@code owner}. */
    private static boolean heldByNoneOr(Pick p, DeviceId device, String owner) {
        return p.state
                .groupOf(device)
                .map(g -> g.ownerCnt() == 0
                        || g.owner().map(o -> o.key().equals(owner)).orElse(false))
                .orElse(false);
    }

    /** The devices that joined {@code domain} through the shared-attach interface. */
    private static List<DeviceId> joined(Pick p, DomainState domain) {
        String key = "shared-domain:" + domain.id().number();
        List<DeviceId> found = new ArrayList<>();
        for (GroupState group : p.state.groupsReferencing(domain.id())) {
            if (group.owner().map(o -> o.key().equals(key)).orElse(false)) {
                group.claims().keySet().forEach(c -> {
                    if (c instanceof Claimant.OfDevice d) {
                        found.add(d.device());
                    }
                });
            }
        }
        return found;
    }

    private static GuidedAction domainFree() {
        return new GuidedAction(
                "DomainFree",
                p -> p.one(p.myDomains(d -> p.state.groupsReferencing(d.id()).isEmpty() || p.random.nextInt(4) == 0))
                        .map(d -> new Command.DomainFree(new Handle.Domain(d.id()))),
                p -> some(new Command.DomainFree(p.wrongHandle())));
    }

    private static final String CALLER = "caller:kernel-user";

    private static boolean ownedByMe(GroupState group) {
        return group.owner().map(o -> o.key().equals(CALLER)).orElse(false);
    }

    /**
     * An in-kernel caller of iommu_group_claim_dma_owner / iommu_device_claim_dma_owner, its own paging
     * domains, attach, replace and iommu_map. It never calls iommu_device_use_default_domain itself:
     * only dma_configure does (a bound driver's one claim, invariant D3), which the driver core's binds
     * reach.
     */
    private static List<GuidedAction> kernelUser() {
        Optional<String> me = Optional.of("kernel-user");
        return List.of(
                new GuidedAction(
                        "GroupClaim",
                        p -> p.group(g -> g.ownerCnt() == 0 || ownedByMe(g))
                                .map(g -> new Command.GroupClaim(g.id(), me)),
                        p -> p.group(g -> g.ownerCnt() > 0 && !ownedByMe(g))
                                .map(g -> new Command.GroupClaim(g.id(), me))),
                GuidedAction.trusting(
                        "GroupRelease",
                        p -> p.group(g -> ownedByMe(g) && g.claimsOf(Claimant.GROUP) > 0)
                                .map(g -> new Command.GroupRelease(g.id())),
                        // iommu_group_release_dma_owner does not ask who owns: refused only where no one does
                        p -> p.group(g -> g.owner().isEmpty()).map(g -> new Command.GroupRelease(g.id()))),
                new GuidedAction(
                        "DeviceClaim",
                        p -> p.device(d -> p.state
                                        .groupOf(d.id())
                                        .map(g -> g.ownerCnt() == 0 || ownedByMe(g))
                                        .orElse(false))
                                .map(d -> new Command.DeviceClaim(d, me)),
                        p -> some(new Command.DeviceClaim(p.anyDevice(), me))),
                GuidedAction.trusting(
                        "DeviceRelease",
                        p -> p.device(d -> p.state
                                        .groupOf(d.id())
                                        .map(g -> ownedByMe(g) && g.claimsOf(Claimant.device(d.id())) > 0)
                                        .orElse(false))
                                .map(Command.DeviceRelease::new),
                        p -> p.device(d -> p.state
                                        .groupOf(d.id())
                                        .map(g -> g.owner().isEmpty())
                                        .orElse(true))
                                .map(Command.DeviceRelease::new)),
                new GuidedAction(
                        "DomainAlloc",
                        p -> p.myDomains(d -> true).size() < 3
                                ? p.device(DeviceState::present).map(d -> new Command.DomainAlloc(d, p.label("d")))
                                : Optional.empty(),
                        p -> p.device(d -> !d.present()).map(d -> new Command.DomainAlloc(d, p.label("d")))),
                onMyGroup("AttachGroup", (p, d, g) -> new Command.AttachGroup(d, g.id()), true),
                onMyGroup("DetachGroup", (p, d, g) -> new Command.DetachGroup(d, g.id()), false),
                onMyGroup(
                        "AttachDevice",
                        (p, d, g) -> new Command.AttachDevice(d, g.devices().first()),
                        true),
                onMyGroup(
                        "DetachDevice",
                        (p, d, g) -> new Command.DetachDevice(d, g.devices().first()),
                        false),
                onMyGroup(
                        "ReplaceDomain",
                        (p, d, g) -> new Command.ReplaceDomain(
                                g.id(), p.random.nextInt(3) == 0 ? Optional.empty() : Optional.of(d)),
                        true),
                new GuidedAction(
                        "IommuMap",
                        p -> p.one(p.myDomains(d -> true)).map(d -> {
                            long iova = p.iova();
                            return new Command.IommuMap(
                                    new Handle.Domain(d.id()),
                                    iova,
                                    0x8000_0000L + iova,
                                    p.size(),
                                    true,
                                    p.random.nextBoolean());
                        }),
                        p -> p.one(p.myDomains(d -> true))
                                .map(d -> new Command.IommuMap(
                                        new Handle.Domain(d.id()),
                                        p.misaligned(),
                                        0,
                                        p.misaligned(),
                                        false,
                                        p.random.nextBoolean()))),
                new GuidedAction(
                        "IommuUnmap",
                        p -> p.one(p.myDomains(d -> true))
                                .map(d -> new Command.IommuUnmap(new Handle.Domain(d.id()), p.iova(), 0x20_0000L)),
                        p -> some(new Command.IommuUnmap(p.wrongHandle(), p.misaligned(), 0x1000))),
                domainFree());
    }

    @FunctionalInterface
    private interface OnGroup {
        Command<?> make(Pick p, Handle domain, GroupState group);
    }

    /**
     * A call on one of the role's domains and a group it owns. Refused: the same contract (a group the
     * role owns) with a domain of the other IOMMU, a group already on another domain, or no domain.
     */
    private static GuidedAction onMyGroup(String op, OnGroup make, boolean attaching) {
        return GuidedAction.trusting(
                op,
                p -> p.one(p.myDomains(d -> true))
                        .flatMap(d -> p.group(g -> ownedByMe(g)
                                        && !g.devices().isEmpty()
                                        && (attaching || g.domain().equals(d.id())))
                                .map(g -> make.make(p, new Handle.Domain(d.id()), g))),
                p -> p.one(p.myDomains(d -> true))
                        .flatMap(d -> p.group(g -> ownedByMe(g) && !g.devices().isEmpty())
                                .map(g -> make.make(p, new Handle.Domain(d.id()), g))));
    }

    private static GuidedAction prober() {
        return new GuidedAction(
                "IovaToPhys",
                p -> p.one(List.copyOf(p.state.domains().keySet()))
                        .map(d ->
                                new Command.IovaToPhys(new Handle.Domain(d), p.iova() + 0x1000L * p.random.nextInt(4))),
                p -> some(new Command.IovaToPhys(new Handle.Number(-1), p.iova())));
    }
}
