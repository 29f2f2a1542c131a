package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.IommuType;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The ownership calls a stress tester makes on purpose with the wrong argument, beside each role's own
 * calls: an object of the wrong kind (a HWPT or a device where an IOAS is due, a group-path device fd
 * where a cdev is due), a stale name (a hot-removed device, an fd number nobody opened), an object of
 * another iommufd context, and the racing calls of other holders (a release by a device that holds no
 * claim, a shared attach of a device a kernel driver holds, freeing a domain the caller was never given).
 *
 * <p>Every call here is aimed at a refusal and keeps the rules' caller contract where the rules do not
 * check it: a kernel-DMA count is never added or dropped for a device that holds none, and no group
 * another holder owns is moved off its domain. So the refusals show what each check answers, and the
 * invariants still hold on a correct kernel.
 */
final class GuidedOwnershipArguments {
    private GuidedOwnershipArguments() {}

    /**
     * The cast's roles, each followed by its calls of wrong ownership arguments and its mapping calls
     * with a singled-out wrong argument ({@link GuidedMappingStrays}).
     */
    static List<GuidedAction.Role> withStrayCalls(List<GuidedAction.Role> cast) {
        List<GuidedAction.Role> roles = new ArrayList<>();
        for (GuidedAction.Role role : cast) {
            List<GuidedAction> stray = role.name().startsWith("qemu")
                    ? vfioUser()
                    : role.name().startsWith("vmm")
                            ? iommufdUser()
                            : switch (role.name()) {
                                case "shared-domain" -> sharedDomain();
                                case "kernel-user" -> kernelUser();
                                default -> List.of();
                            };
            List<GuidedAction> mapping = role.name().startsWith("qemu")
                    ? GuidedMappingStrays.vfioUser()
                    : role.name().startsWith("vmm")
                            ? GuidedMappingStrays.iommufdUser()
                            : role.name().equals("kernel-user") ? GuidedMappingStrays.kernelUser() : List.of();
            List<GuidedAction> all = new ArrayList<>(role.actions());
            all.addAll(stray);
            all.addAll(mapping);
            roles.add(new GuidedAction.Role(role.name(), List.copyOf(all)));
        }
        return roles;
    }

    private static Optional<Command<?>> none(Pick p) {
        return Optional.empty();
    }

    /** An action that only ever aims at a refusal: it has no call the rules should accept. */
    private static GuidedAction refusalOnly(
            String operation, java.util.function.Function<Pick, Optional<Command<?>>> refused) {
        return new GuidedAction(operation, GuidedOwnershipArguments::none, refused, false);
    }

    // ---- the in-kernel user of the IOMMU core ----

    static List<GuidedAction> kernelUser() {
        return List.of(
                // dma_cleanup's call made by a caller that holds no kernel DMA use: a device that was
                // hot-removed (no group, nothing counted), one that never counted, or one in an owned group
                refusalOnly(
                        "UnuseDefaultDomain",
                        p -> p.device(d -> p.state
                                        .groupOf(d.id())
                                        .map(g -> g.isOwned() || g.claimsOf(Claimant.device(d.id())) == 0)
                                        .orElse(true))
                                .map(Command.UnuseDefaultDomain::new)),
                // dma_configure's call racing an exclusive owner, or for a device already hot-removed
                refusalOnly(
                        "UseDefaultDomain",
                        p -> p.device(d -> p.state
                                        .groupOf(d.id())
                                        .map(GroupState::isOwned)
                                        .orElse(true))
                                .map(Command.UseDefaultDomain::new)),
                // iommu_device_release_dma_owner by a device that holds no claim on a group others share
                refusalOnly(
                        "DeviceRelease",
                        p -> p.device(d -> p.state
                                        .groupOf(d.id())
                                        .map(g -> g.ownerCnt() > 1 && g.claimsOf(Claimant.device(d.id())) == 0)
                                        .orElse(false))
                                .map(Command.DeviceRelease::new)),
                // iommu_domain_free of a domain the caller never allocated: a group's default or
                // blocking domain, a VFIO container's, an iommufd HWPT's
                refusalOnly(
                        "DomainFree",
                        p -> p.one(p.state.domains().values().stream()
                                        .filter(d -> !(d.use() instanceof DomainUse.KernelCaller))
                                        .map(DomainState::id)
                                        .toList())
                                .map(d -> new Command.DomainFree(new Handle.Domain(d)))),
                // iommu_attach_device / iommu_detach_device naming a device hot-removed since
                refusalOnly(
                        "AttachDevice",
                        p -> p.one(p.myDomains(d -> true))
                                .flatMap(domain -> p.device(d -> !d.present())
                                        .map(d -> new Command.AttachDevice(new Handle.Domain(domain.id()), d)))),
                refusalOnly(
                        "DetachDevice",
                        p -> p.one(p.myDomains(d -> true))
                                .flatMap(domain -> p.device(d -> !d.present())
                                        .map(d -> new Command.DetachDevice(new Handle.Domain(domain.id()), d)))),
                // iommu_detach_group after the group was released: it stays on its default domain
                refusalOnly(
                        "DetachGroup",
                        p -> p.one(p.myDomains(d -> true))
                                .flatMap(domain -> p.group(g -> g.owner().isEmpty() && g.onDefaultDomain())
                                        .map(g -> new Command.DetachGroup(new Handle.Domain(domain.id()), g.id())))));
    }

    // ---- the in-kernel user of the shared-domain attach ----

    static List<GuidedAction> sharedDomain() {
        return List.of(
                // a first shared attach of a free group behind another IOMMU than the domain's
                refusalOnly(
                        "AttachShared",
                        p -> p.one(p.myDomains(d -> true))
                                .flatMap(domain -> p.device(d -> d.driver().isEmpty()
                                                && p.state
                                                        .groupOf(d.id())
                                                        .map(g -> g.ownerCnt() == 0
                                                                && !p.state
                                                                        .iommuOf(g)
                                                                        .equals(domain.iommu()))
                                                        .orElse(false))
                                        .map(d -> new Command.AttachShared(new Handle.Domain(domain.id()), d)))),
                // the shared detach of a device of a joined group that did not join itself
                refusalOnly(
                        "DetachShared",
                        p -> p.one(p.myDomains(d -> true))
                                .flatMap(domain -> p.device(d -> p.state
                                                .groupOf(d.id())
                                                .map(g -> g.domain().equals(domain.id())
                                                        && g.claimsOf(Claimant.device(d.id())) == 0)
                                                .orElse(false))
                                        .map(d -> new Command.DetachShared(new Handle.Domain(domain.id()), d)))),
                refusalOnly(
                        "AttachShared",
                        // a device a kernel DMA driver holds, or one whose group kernel drivers of its siblings hold
                        p -> p.one(p.myDomains(d -> true))
                                .flatMap(domain -> p.device(d -> d.present()
                                                && p.state.groupOf(d.id()).isPresent()
                                                && (kernelDmaDriver(p, d)
                                                        || p.state
                                                                .groupOf(d.id())
                                                                .map(g -> g.ownerCnt() > 0
                                                                        && g.owner()
                                                                                .isEmpty())
                                                                .orElse(false)))
                                        .map(d -> new Command.AttachShared(new Handle.Domain(domain.id()), d)))));
    }

    private static boolean kernelDmaDriver(Pick p, DeviceState device) {
        return device.driver()
                .flatMap(p.state.topology()::driver)
                .map(d -> !d.managedDma())
                .orElse(false);
    }

    // ---- a QEMU on the VFIO group and container path ----

    static List<GuidedAction> vfioUser() {
        return List.of(
                // open(/dev/vfio/N) of a group a VMM holds through a bound cdev: the two paths exclude
                // each other
                refusalOnly(
                        "GroupOpen",
                        p -> p.group(g -> p.state.cdevBoundCount(g.id()) > 0
                                        && p.state.openedGroupFile(g.id()).isEmpty())
                                .map(g -> new Command.GroupOpen(g.id(), p.label("g")))),
                // VFIO_SET_IOMMU with a type no VFIO IOMMU driver of this host offers
                refusalOnly(
                        "ContainerSetIommu",
                        p -> p.myFile(
                                        OpenFile.VfioContainer.class,
                                        c -> c.iommu().isEmpty()
                                                && !p.state.groupFilesIn(c.id()).isEmpty())
                                .map(c -> new Command.ContainerSetIommu(
                                        Pick.file(c),
                                        p.random.nextBoolean() ? IommuType.SPAPR_TCE : IommuType.NOIOMMU))),
                refusalOnly(
                        "GetDeviceFd",
                        p -> p.myFile(
                                        OpenFile.VfioGroupFile.class,
                                        g -> g.group().isPresent())
                                .flatMap(g -> {
                                    var group = g.group().get();
                                    // before VFIO_GROUP_SET_CONTAINER, or racing an unbind that waits for the fds
                                    List<dev.custody.model.DeviceId> devices = p.state.vfioDevicesOf(group).stream()
                                            .filter(d -> !g.hasContainerOrIommufd()
                                                    || p.state
                                                            .device(d)
                                                            .pending()
                                                            .isPresent())
                                            .toList();
                                    return p.one(devices)
                                            .map(d -> new Command.GetDeviceFd(Pick.file(g), d, p.label("d")));
                                })));
    }

    // ---- a VMM on iommufd and VFIO cdevs ----

    static List<GuidedAction> iommufdUser() {
        return List.of(
                // VFIO_DEVICE_ATTACH_IOMMUFD_PT (first attach or replace) to a HWPT whose domain another
                // IOMMU translates
                refusalOnly(
                        "CdevAttach",
                        p -> p.myFile(OpenFile.CdevFile.class, c -> c.binding().isPresent())
                                .flatMap(c -> {
                                    var ctx = p.state.fileAs(c.binding().get().iommufd(), OpenFile.IommufdFile.class);
                                    Optional<String> iommu =
                                            p.state.spec(c.device()).iommu();
                                    return p.one(ctx.objects().values().stream()
                                                    .filter(o -> o instanceof IommufdObject.Hwpt h
                                                            && p.state.domains().containsKey(h.domain())
                                                            && !Optional.of(p.state
                                                                            .domain(h.domain())
                                                                            .iommu())
                                                                    .equals(iommu))
                                                    .toList())
                                            .map(h -> new Command.CdevAttach(
                                                    Pick.file(c), Pick.object(ctx.id(), h.id()), Optional.empty()));
                                })),
                // IOMMU_HWPT_ALLOC whose pt_id names a HWPT or a device rather than an IOAS, or an
                // object of the VMM's other iommufd context
                refusalOnly(
                        "HwptAlloc",
                        p -> p.one(p.myObjects(IommufdObject.Device.class, d -> true))
                                .flatMap(dev -> notAnIoas(p, dev.ctx())
                                        .map(pt -> new Command.HwptAlloc(
                                                Pick.file(dev.ctx()), dev.handle(), pt, p.label("hwpt"))))),
                // IOMMU_DESTROY of a HWPT a device is attached to, or of an IOAS a HWPT is built on
                refusalOnly(
                        "Destroy",
                        p -> p.one(p.myObjects(IommufdObject.class, o -> true).stream()
                                        .filter(o -> inUse(o.ctx(), o.object()))
                                        .toList())
                                .map(o -> new Command.Destroy(Pick.file(o.ctx()), o.handle()))),
                // the first attach of a device to a HWPT other than the one its group's bound siblings use
                refusalOnly(
                        "CdevAttach",
                        p -> p.myFile(OpenFile.CdevFile.class, c -> c.binding().isPresent())
                                .flatMap(c -> besideSiblings(p, c))),
                // VFIO_DEVICE_ATTACH_IOMMUFD_PT whose pt names a device, a bound cdev fd, or an object of
                // another context
                refusalOnly(
                        "CdevAttach",
                        p -> p.myFile(OpenFile.CdevFile.class, c -> c.binding().isPresent())
                                .flatMap(c -> {
                                    var ctx = p.state.fileAs(c.binding().get().iommufd(), OpenFile.IommufdFile.class);
                                    return notAnIoas(p, ctx)
                                            .map(pt -> new Command.CdevAttach(Pick.file(c), pt, Optional.empty()));
                                })),
                // VFIO_DEVICE_BIND_IOMMUFD on a device fd of the group path, or with an fd number no
                // one opened
                refusalOnly("CdevBind", GuidedOwnershipArguments::wrongBind));
    }

    /**
     * VFIO_DEVICE_BIND_IOMMUFD that the kernel refuses: a cdev already bound, a device fd of the group
     * path, a first bind racing an unbind that waits for this very cdev fd, or an fd number no one
     * opened as the iommufd.
     */
    private static Optional<Command<?>> wrongBind(Pick p) {
        Optional<OpenFile.IommufdFile> ctx = p.myFile(OpenFile.IommufdFile.class, f -> true);
        List<Command<?>> calls = new ArrayList<>();
        if (ctx.isPresent()) {
            Handle iommufd = Pick.file(ctx.get());
            p.myFile(OpenFile.CdevFile.class, c -> c.binding().isPresent())
                    .ifPresent(c -> calls.add(new Command.CdevBind(Pick.file(c), iommufd)));
            p.myFile(OpenFile.VfioDeviceFile.class, f -> true)
                    .ifPresent(f -> calls.add(new Command.CdevBind(Pick.file(f), iommufd)));
            p.myFile(
                            OpenFile.CdevFile.class,
                            c -> c.binding().isEmpty()
                                    && p.state.device(c.device()).pending().isPresent())
                    .ifPresent(c -> calls.add(new Command.CdevBind(Pick.file(c), iommufd)));
        }
        p.myFile(OpenFile.CdevFile.class, c -> true)
                .ifPresent(c ->
                        calls.add(new Command.CdevBind(Pick.file(c), new Handle.Number(1000 + p.random.nextInt(24)))));
        return p.one(calls);
    }

    /**
     * A pt_id that is no IOAS of {@code ctx}: a HWPT or device object of it, the bound cdev fd of one
     * of its devices, or an object of another of the caller's contexts.
     */
    private static Optional<Handle> notAnIoas(Pick p, OpenFile.IommufdFile ctx) {
        List<Handle> wrong = new ArrayList<>();
        for (IommufdObject object : ctx.objects().values()) {
            if (!(object instanceof IommufdObject.Ioas)) {
                wrong.add(Pick.object(ctx.id(), object.id()));
            }
        }
        p.mine(
                        OpenFile.CdevFile.class,
                        c -> c.binding().map(b -> b.iommufd().equals(ctx.id())).orElse(false))
                .forEach(c -> wrong.add(Pick.file(c)));
        for (OpenFile.IommufdFile other : p.mine(OpenFile.IommufdFile.class, f -> !f.id().equals(ctx.id()))) {
            other.objects().keySet().forEach(id -> wrong.add(Pick.object(other.id(), id)));
        }
        return p.one(wrong);
    }

    /** Whether a device is attached to {@code object} (a HWPT) or a HWPT is built on it (an IOAS). */
    private static boolean inUse(OpenFile.IommufdFile ctx, IommufdObject object) {
        return ctx.objects().values().stream().anyMatch(user -> switch (user) {
            case IommufdObject.Device d -> d.hwpt().equals(Optional.of(object.id()));
            case IommufdObject.Hwpt h -> h.ioas().equals(object.id());
            default -> false;
        });
    }

    /**
     * The first attach of the unattached device of {@code cdev} to a HWPT of its context other than
     * the one a bound sibling of its group is attached to: the group can be on one domain only.
     */
    private static Optional<Command<?>> besideSiblings(Pick p, OpenFile.CdevFile cdev) {
        var ctx = p.state.fileAs(cdev.binding().get().iommufd(), OpenFile.IommufdFile.class);
        Optional<GroupState> group = p.state.groupOf(cdev.device());
        if (!(ctx.objects().get(cdev.binding().get().idev()) instanceof IommufdObject.Device self)
                || self.hwpt().isPresent()
                || group.isEmpty()) {
            return Optional.empty();
        }
        Optional<dev.custody.model.ObjectId> used = ctx.objects().values().stream()
                .filter(o -> o instanceof IommufdObject.Device d
                        && d.hwpt().isPresent()
                        && group.get().devices().contains(d.device()))
                .map(o -> ((IommufdObject.Device) o).hwpt().get())
                .findFirst();
        if (used.isEmpty()) {
            return Optional.empty();
        }
        return p.one(ctx.objects().values().stream()
                        .filter(o -> o instanceof IommufdObject.Hwpt && !o.id().equals(used.get()))
                        .toList())
                .map(h -> new Command.CdevAttach(Pick.file(cdev), Pick.object(ctx.id(), h.id()), Optional.empty()));
    }
}
