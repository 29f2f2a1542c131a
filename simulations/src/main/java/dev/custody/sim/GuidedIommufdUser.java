package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Handle;
import dev.custody.model.IommuType;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The guided cast's VMM on iommufd and VFIO cdevs. */
final class GuidedIommufdUser {
    private GuidedIommufdUser() {}

    // ---- a VMM on iommufd and VFIO cdevs ----

    static List<GuidedAction> actions() {
        List<GuidedAction> actions = new ArrayList<>(GuidedCast.takeForVfio());
        actions.add(new GuidedAction(
                "IommufdOpen",
                p -> p.mine(OpenFile.IommufdFile.class, f -> true).size() < 2
                        ? GuidedCast.some(new Command.IommufdOpen(p.label("x")))
                        : Optional.empty(),
                p -> Optional.empty()));
        actions.add(new GuidedAction(
                "IoasAlloc",
                p -> p.myFile(OpenFile.IommufdFile.class, f -> f.objects().size() < 6)
                        .map(x -> new Command.IoasAlloc(Pick.file(x), p.label("ioas"))),
                p -> GuidedCast.some(new Command.IoasAlloc(p.wrongHandle(), p.label("ioas")))));
        actions.add(new GuidedAction(
                "CdevOpen",
                p -> p.mine(OpenFile.CdevFile.class, c -> true).size() < 4
                        ? (p.random.nextBoolean() ? sibling(p) : Optional.<DeviceId>empty())
                                .or(() -> p.device(d -> openable(p, d)))
                                .map(d -> new Command.CdevOpen(d, p.label("cdev")))
                        : Optional.empty(),
                p -> p.device(d -> !p.state.boundToVfio(d.id())).map(d -> new Command.CdevOpen(d, p.label("cdev")))));
        actions.add(new GuidedAction("CdevBind", GuidedIommufdUser::bindAimed, GuidedIommufdUser::bindRefused));
        actions.add(new GuidedAction(
                "CdevAttach",
                p -> p.myFile(OpenFile.CdevFile.class, c -> c.binding().isPresent())
                        .flatMap(c -> {
                            var ctx = p.state.fileAs(c.binding().get().iommufd(), OpenFile.IommufdFile.class);
                            List<IommufdObject> targets = ctx.objects().values().stream()
                                    .filter(o -> o instanceof IommufdObject.Ioas || o instanceof IommufdObject.Hwpt)
                                    .toList();
                            List<IommufdObject> refusing =
                                    GuidedNarrowJoin.targetsRefusing(p, c.device(), ctx, targets);
                            return (!refusing.isEmpty() && p.random.nextInt(4) == 0 ? p.one(refusing) : p.one(targets))
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
                        .flatMap(dev -> p.one(hwptParents(p, dev.ctx()))
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
        actions.add(GuidedIoas.map());
        actions.add(GuidedIoas.unmap());
        actions.add(GuidedIoas.copy());
        actions.add(GuidedIoas.iovaRanges());
        actions.add(GuidedIoas.allowIovas());
        // the VFIO group path on an iommufd (the compat layer): a group file set to an iommufd
        actions.add(GuidedCast.groupOpen());
        actions.add(new GuidedAction(
                "SetContainer",
                p -> {
                    Optional<OpenFile.VfioGroupFile> group =
                            p.myFile(OpenFile.VfioGroupFile.class, g -> GuidedCast.unclaimedGroupFile(p, g));
                    Optional<OpenFile.IommufdFile> ctx = p.myFile(OpenFile.IommufdFile.class, f -> true);
                    return group.isPresent() && ctx.isPresent()
                            ? GuidedCast.some(new Command.SetContainer(Pick.file(group.get()), Pick.file(ctx.get())))
                            : Optional.empty();
                },
                p -> p.myFile(OpenFile.VfioGroupFile.class, g -> g.hasContainerOrIommufd())
                        .flatMap(g -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                                .map(x -> new Command.SetContainer(Pick.file(g), Pick.file(x))))));
        actions.add(GuidedCast.deviceFd());
        actions.add(new GuidedAction(
                "UnsetContainer",
                p -> p.myFile(OpenFile.VfioGroupFile.class, OpenFile.VfioGroupFile::hasContainerOrIommufd)
                        .map(g -> new Command.UnsetContainer(Pick.file(g))),
                p -> GuidedCast.some(new Command.UnsetContainer(p.wrongHandle()))));
        actions.add(new GuidedAction(
                "ContainerSetIommu",
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                        .map(x -> new Command.ContainerSetIommu(Pick.file(x), IommuType.TYPE1V2)),
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                        .map(x -> new Command.ContainerSetIommu(Pick.file(x), IommuType.SPAPR_TCE))));
        // type1 calls on /dev/iommu itself: the compat layer maps its IOAS as a container would
        actions.add(GuidedIoas.compatMap());
        actions.add(GuidedIoas.compatUnmap());
        actions.add(new GuidedAction(
                "ContainerCheckExtension",
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                        .map(x -> new Command.ContainerCheckExtension(
                                Pick.file(x), IommuType.values()[p.random.nextInt(IommuType.values().length)])),
                p -> p.myFile(OpenFile.CdevFile.class, c -> true)
                        .map(c -> new Command.ContainerCheckExtension(Pick.file(c), IommuType.TYPE1V2))));
        actions.add(GuidedHotReset.info());
        actions.add(GuidedHotReset.reset());
        actions.add(GuidedHotReset.hwInfo());
        actions.add(GuidedHotResetScope.seek());
        actions.add(GuidedIommuOption.rlimitMode());
        actions.add(GuidedIommuOption.hugePages());
        actions.add(GuidedIommuOption.refusals());
        actions.add(GuidedDirtyTracking.tracking());
        actions.add(GuidedDirtyTracking.bitmap());
        actions.add(GuidedCast.close());
        return actions;
    }

    /** A device registered with VFIO, not being unbound, whose group is not open as a group file. */
    static boolean openable(Pick p, DeviceState d) {
        return p.state.boundToVfio(d.id())
                && d.pending().isEmpty()
                && p.state
                        .groupOf(d.id())
                        .map(g -> p.state.openedGroupFile(g.id()).isEmpty())
                        .orElse(false);
    }

    /**
     * An openable device with no cdev of this role whose group has a device this role's cdev bound:
     * its cdev can join the same context, two devices of one group in one igroup.
     */
    private static Optional<DeviceId> sibling(Pick p) {
        List<OpenFile.CdevFile> mine = p.mine(OpenFile.CdevFile.class, c -> true);
        return p.device(d -> openable(p, d)
                && mine.stream().noneMatch(c -> c.device().equals(d.id()))
                && mine.stream()
                        .anyMatch(c -> c.binding().isPresent()
                                && p.state.groupOf(c.device()).equals(p.state.groupOf(d.id()))));
    }

    /**
     * VFIO_DEVICE_BIND_IOMMUFD aimed at success: seven times in eight a cdev and context the bind can
     * claim (see {@link #claimable}; nothing when there is none), half of those a context that already
     * holds another device of the group, so two cdevs of one group come to share one context (its
     * igroup); else any unbound cdev and context, which mostly meets a group another holder has.
     */
    private static Optional<Command<?>> bindAimed(Pick p) {
        List<OpenFile.CdevFile> cdevs =
                p.mine(OpenFile.CdevFile.class, c -> c.binding().isEmpty());
        List<OpenFile.IommufdFile> contexts = p.mine(OpenFile.IommufdFile.class, f -> true);
        if (cdevs.isEmpty() || contexts.isEmpty()) {
            return Optional.empty();
        }
        if (p.random.nextInt(8) == 0) {
            Optional<Command<?>> waiting = bindDuringUnbind(p);
            if (waiting.isPresent()) {
                return waiting;
            }
        }
        if (p.random.nextInt(8) != 0) {
            List<Command<?>> free = new ArrayList<>();
            List<Command<?>> shared = new ArrayList<>();
            for (OpenFile.CdevFile cdev : cdevs) {
                for (OpenFile.IommufdFile ctx : contexts) {
                    if (claimable(p, cdev, ctx)) {
                        Command<?> bind = new Command.CdevBind(Pick.file(cdev), Pick.file(ctx));
                        free.add(bind);
                        if (p.state.groupOf(cdev.device()).orElseThrow().ownerCnt() > 0) {
                            shared.add(bind);
                        }
                    }
                }
            }
            return !shared.isEmpty() && p.random.nextBoolean() ? p.one(shared) : p.one(free);
        }
        return GuidedCast.some(new Command.CdevBind(
                Pick.file(p.one(cdevs).orElseThrow()), Pick.file(p.one(contexts).orElseThrow())));
    }

    /**
     * VFIO_DEVICE_BIND_IOMMUFD aimed at a refusal: a quarter of the time a bind racing an unbind
     * (EAGAIN), a quarter an iommufd given as the device fd (not a VFIO cdev: ENOTTY), else or when
     * those find nothing one of the role's cdevs with a wrong iommufd.
     */
    private static Optional<Command<?>> bindRefused(Pick p) {
        Optional<Command<?>> special = switch (p.random.nextInt(4)) {
            case 0 -> bindDuringUnbind(p);
            case 1 ->
                p.myFile(OpenFile.IommufdFile.class, f -> true)
                        .map(x -> new Command.CdevBind(Pick.file(x), Pick.file(x)));
            default -> Optional.empty();
        };
        return special.or(() -> p.myFile(OpenFile.CdevFile.class, c -> true)
                .map(c -> new Command.CdevBind(Pick.file(c), p.wrongHandle())));
    }

    /**
     * A bind of a cdev whose device is being unbound (its unbind waits for the open cdev) to a context
     * that can claim it: the claim succeeds, the first open cannot reset the device and the bind is
     * undone (EAGAIN). A VMM racing the admin's unbind makes it; one in eight of the aimed binds.
     */
    private static Optional<Command<?>> bindDuringUnbind(Pick p) {
        List<Command<?>> binds = new ArrayList<>();
        for (OpenFile.CdevFile cdev : p.mine(
                OpenFile.CdevFile.class,
                c -> c.binding().isEmpty()
                        && p.state.device(c.device()).pending().isPresent())) {
            for (OpenFile.IommufdFile ctx : p.mine(OpenFile.IommufdFile.class, f -> true)) {
                if (claimsGroup(p, cdev, ctx)) {
                    binds.add(new Command.CdevBind(Pick.file(cdev), Pick.file(ctx)));
                }
            }
        }
        return p.one(binds);
    }

    /**
     * Whether binding {@code cdev} to {@code ctx} can claim and open its device: the group has no other holder
     * (no kernel driver, no other owner) and no other fd of the device is open (vfio_df_open).
     */
    static boolean claimable(Pick p, OpenFile.CdevFile cdev, OpenFile.IommufdFile ctx) {
        // a device being unbound cannot open: see bindDuringUnbind
        return p.state.device(cdev.device()).pending().isEmpty() && claimsGroup(p, cdev, ctx);
    }

    /** Whether binding {@code cdev} to {@code ctx} gets past the group claim, device lock aside. */
    private static boolean claimsGroup(Pick p, OpenFile.CdevFile cdev, OpenFile.IommufdFile ctx) {
        Optional<GroupState> group = p.state.groupOf(cdev.device());
        if (group.isEmpty()) {
            return false;
        }
        boolean free = group.get().ownerCnt() == 0
                || group.get()
                        .owner()
                        .map(o -> o.key().equals("iommufd:" + ctx.id().number()))
                        .orElse(false);
        // the group path and the cdev path exclude each other
        free = free && p.state.openedGroupFile(group.get().id()).isEmpty();
        boolean openElsewhere = p.state
                        .filesOf(OpenFile.CdevFile.class)
                        .anyMatch(c ->
                                c.device().equals(cdev.device()) && c.binding().isPresent())
                || p.state
                        .filesOf(OpenFile.VfioDeviceFile.class)
                        .anyMatch(f -> f.device().equals(cdev.device()));
        return free && !openElsewhere;
    }

    /**
     * The IOASes a HWPT can be allocated on, half the time only those with an area over the MSI
     * window when there are some: the HWPT is accepted (a domain reserves only past its aperture) and
     * a device attached to it later is refused (its MSI window is taken).
     */
    static List<IommufdObject> hwptParents(Pick p, OpenFile.IommufdFile ctx) {
        List<IommufdObject> ioases = ctx.objects().values().stream()
                .filter(o -> o instanceof IommufdObject.Ioas)
                .toList();
        List<IommufdObject> overMsi = ioases.stream()
                .filter(o -> GuidedNarrowJoin.overMsi((IommufdObject.Ioas) o))
                .toList();
        return !overMsi.isEmpty() && p.random.nextBoolean() ? overMsi : ioases;
    }

    /** An IOAS no HWPT is built on, or a HWPT no device is attached to: IOMMU_DESTROY frees it. */
    private static boolean unused(OpenFile.IommufdFile ctx, IommufdObject object) {
        return ctx.objects().values().stream().noneMatch(o -> switch (o) {
            case IommufdObject.Hwpt h -> h.ioas().equals(object.id());
            case IommufdObject.Device d -> d.hwpt().map(object.id()::equals).orElse(false);
            default -> false;
        });
    }
}
