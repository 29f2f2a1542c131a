package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.IommuType;
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
                            ? GuidedCast.some(new Command.CdevBind(Pick.file(cdev.get()), Pick.file(ctx.get())))
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
        actions.add(GuidedIoas.map());
        actions.add(GuidedIoas.unmap());
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
        actions.add(GuidedCast.close());
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
}
