package dev.custody.rules;

import static dev.custody.rules.Results.OK;
import static dev.custody.rules.Results.fail;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.HwptAllocFlag;
import dev.custody.model.IommuSpec;
import dev.custody.model.ObjectId;
import dev.custody.model.Outcome;
import dev.custody.model.OwnerId;
import dev.custody.model.Reply;
import dev.custody.model.event.DomainEvent.DomainAllocated;
import dev.custody.model.event.DomainEvent.DomainFreed;
import dev.custody.model.event.FileEvent.CompatIoasSet;
import dev.custody.model.event.FileEvent.FileOpened;
import dev.custody.model.event.FileEvent.IommufdDeviceAttached;
import dev.custody.model.event.FileEvent.IommufdObjectAdded;
import dev.custody.model.event.FileEvent.IommufdObjectRemoved;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.IommufdObject.Hwpt;
import dev.custody.model.state.IommufdObject.Ioas;
import dev.custody.model.state.OpenFile.CdevFile;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.Sorted;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** iommufd objects and device attachment (drivers/iommu/iommufd). */
public final class IommufdRules {
    private IommufdRules() {}

    public static Outcome<Reply> open(Tx tx, String label) {
        IommufdFile file = new IommufdFile(tx.nextFileId(), label, true, Sorted.emptyMap(), 1, Optional.empty());
        tx.emit(new FileOpened(file));
        return Results.ok(new Reply.Created(new Handle.File(file.id())));
    }

    /** IOMMU_IOAS_ALLOC. */
    public static Outcome<Reply> allocateIoas(Tx tx, Handle fd, String label) {
        Fd<IommufdFile> ctx = Fd.ioctl(tx.state(), fd, IommufdFile.class);
        if (!ctx.found()) {
            return ctx.error();
        }
        ObjectId id = addIoas(tx, ctx.get().id(), label);
        return Results.ok(new Reply.Created(new Handle.IommufdObject(ctx.get().id(), id)));
    }

    /** IOMMU_HWPT_ALLOC of a paging HWPT on an IOAS (iommufd_hwpt_alloc), with no flags. */
    public static Outcome<Reply> allocateHwpt(Tx tx, Handle fd, Handle device, Handle pt, String label) {
        return allocateHwpt(tx, fd, device, pt, label, Set.of());
    }

    /** IOMMU_HWPT_ALLOC of a paging HWPT on an IOAS (iommufd_hwpt_alloc). */
    public static Outcome<Reply> allocateHwpt(
            Tx tx, Handle fd, Handle device, Handle pt, String label, Set<HwptAllocFlag> flags) {
        Fd<IommufdFile> found = Fd.ioctl(tx.state(), fd, IommufdFile.class);
        if (!found.found()) {
            return found.error();
        }
        IommufdFile ctx = found.get();
        Optional<IommufdObject> dev = object(tx, ctx, device);
        if (!(dev.orElse(null) instanceof IommufdObject.Device idev)) {
            return fail(
                    Errno.ENOENT, "dev_id " + Fd.describe(tx.state(), device) + " is not a device of " + ctx.label());
        }
        // iommufd_hwpt_alloc turns a failed lookup of pt_id into EINVAL; a paging HWPT as the parent
        // asks for a nested one, which without driver data is EOPNOTSUPP (iommufd_hwpt_nested_alloc)
        Optional<IommufdObject> parent = object(tx, ctx, pt);
        if (parent.isEmpty()) {
            return fail(Errno.EINVAL, "pt_id " + Fd.describe(tx.state(), pt) + " is not an object of " + ctx.label());
        }
        if (parent.get() instanceof Hwpt nestParent) {
            return fail(
                    Errno.EOPNOTSUPP,
                    "pt_id " + nestParent.label() + " is a HWPT: a nested HWPT needs driver data, none is given");
        }
        if (!(parent.get() instanceof Ioas ioas)) {
            return fail(Errno.EINVAL, "pt_id " + parent.get().label() + " is not an IOAS");
        }
        Optional<String> refused = HwptAllocFlags.refusal(flags);
        if (refused.isPresent()) {
            return fail(Errno.EOPNOTSUPP, refused.get());
        }
        Tx.Mark before = tx.mark();
        Hwpt hwpt = addHwpt(tx, ctx.id(), ioas.id(), idev.device(), label, false);
        Outcome<Reply> reserved = joinIoas(tx, ctx.id(), hwpt);
        if (!reserved.isOk()) {
            tx.rollback(before);
            return reserved;
        }
        return Results.ok(new Reply.Created(new Handle.IommufdObject(ctx.id(), hwpt.id())));
    }

    /** IOMMU_DESTROY (iommufd_destroy): unknown -> ENOENT, still referenced -> EBUSY. */
    public static Outcome<Reply> destroy(Tx tx, Handle fd, Handle id) {
        Fd<IommufdFile> found = Fd.ioctl(tx.state(), fd, IommufdFile.class);
        if (!found.found()) {
            return found.error();
        }
        IommufdFile ctx = found.get();
        Optional<IommufdObject> object = object(tx, ctx, id);
        if (object.isEmpty()) {
            return fail(Errno.ENOENT, "no object " + Fd.describe(tx.state(), id) + " in " + ctx.label());
        }
        return switch (object.get()) {
            case Ioas ioas -> {
                List<String> users =
                        hwptsOf(ctx, ioas.id()).stream().map(Hwpt::label).toList();
                if (!users.isEmpty()) {
                    yield fail(Errno.EBUSY, "IOAS " + ioas.label() + " is used by HWPT " + String.join(", ", users));
                }
                tx.emit(new IommufdObjectRemoved(ctx.id(), ioas.id()));
                yield OK;
            }
            case Hwpt hwpt -> {
                if (!devicesOn(ctx, hwpt.id()).isEmpty()) {
                    yield fail(Errno.EBUSY, "HWPT " + hwpt.label() + " is attached");
                }
                removeHwpt(tx, ctx.id(), hwpt);
                yield OK;
            }
            case IommufdObject.Device d -> fail(Errno.EBUSY, "device object " + d.id() + " is held by its VFIO fd");
        };
    }

    /** iommufd_device_bind: claim the device for this context (iommu_device_claim_dma_owner). */
    static Outcome<ObjectId> bindDevice(Tx tx, FileId ctxId, DeviceId device, String label) {
        IommufdFile ctx = tx.state().fileAs(ctxId, IommufdFile.class);
        Outcome<Reply> claimed = GroupRules.claimDevice(tx, device, Optional.of(OwnerId.iommufd(ctxId, ctx.label())));
        if (!claimed.isOk()) {
            return claimed.castFailure();
        }
        ObjectId id = freeId(ctx);
        tx.emit(new IommufdObjectAdded(ctxId, new IommufdObject.Device(id, label, device, Optional.empty())));
        return Outcome.ok(id);
    }

    /** iommufd_device_unbind: detach, release the claim, drop the object. */
    static void unbindDevice(Tx tx, FileId ctxId, ObjectId idev) {
        detach(tx, ctxId, idev);
        IommufdObject.Device device = device(tx, ctxId, idev);
        GroupRules.releaseDevice(tx, device.device());
        tx.emit(new IommufdObjectRemoved(ctxId, idev));
    }

    /** iommufd_device_attach / replace (VFIO_DEVICE_ATTACH_IOMMUFD_PT). */
    static Outcome<Reply> attach(Tx tx, FileId ctxId, ObjectId idevId, ObjectId target, Optional<String> label) {
        IommufdFile ctx = tx.state().fileAs(ctxId, IommufdFile.class);
        IommufdObject.Device idev = device(tx, ctxId, idevId);
        IommufdObject object = ctx.objects().get(target);
        if (object == null) {
            return fail(Errno.ENOENT, "no object " + target + " in " + ctx.label());
        }
        if (object instanceof IommufdObject.Device) {
            return fail(Errno.EINVAL, "object " + target + " is a device, not an IOAS or HWPT");
        }
        GroupState group = tx.state().groupOf(idev.device()).orElseThrow();
        Optional<Hwpt> groupHwpt = groupHwpt(tx, ctx, group.id(), Optional.of(idevId));
        Optional<Hwpt> current = idev.hwpt().map(h -> (Hwpt) ctx.objects().get(h));
        Tx.Mark before = tx.mark();
        boolean created = false;
        Hwpt chosen;
        if (object instanceof Hwpt hwpt) {
            chosen = hwpt;
        } else {
            Ioas ioas = (Ioas) object;
            Optional<Hwpt> reusable = autoHwptFor(
                    tx, ctx, ioas.id(), current.or(() -> groupHwpt), tx.state().iommuOf(group));
            created = reusable.isEmpty();
            chosen = reusable.orElseGet(() -> addHwpt(
                    tx,
                    ctxId,
                    ioas.id(),
                    idev.device(),
                    label.orElse("hwpt"
                            + freeId(tx.state().fileAs(ctxId, IommufdFile.class))
                                    .number()),
                    true));
            if (created) {
                Outcome<Reply> reserved = joinIoas(tx, ctxId, chosen);
                if (!reserved.isOk()) {
                    tx.rollback(before);
                    return reserved;
                }
            }
        }
        Outcome<Reply> deviceRegions = IoasReservations.moveDevice(
                tx, ctxId, idev.device(), current.map(Hwpt::ioas), Optional.of(chosen.ioas()));
        if (!deviceRegions.isOk()) {
            tx.rollback(before);
            return deviceRegions;
        }
        if (current.isPresent()) {
            return replace(tx, ctxId, group, current.get(), chosen, created, before);
        }
        if (groupHwpt.isPresent() && !groupHwpt.get().id().equals(chosen.id())) {
            tx.rollback(before);
            return fail(
                    Errno.EINVAL,
                    "group " + group.id() + " is already attached to HWPT "
                            + groupHwpt.get().label());
        }
        if (groupHwpt.isEmpty()) {
            Outcome<Reply> attached = DomainRules.attachGroup(tx, group, chosen.domain()); // first device of the group
            if (!attached.isOk()) {
                tx.rollback(before);
                return attached;
            }
        }
        tx.emit(new IommufdDeviceAttached(ctxId, idevId, Optional.of(chosen.id())));
        return Results.ok(new Reply.Attached(new Handle.IommufdObject(ctxId, chosen.id()), chosen.label(), created));
    }

    /** Replace moves the whole igroup at once through iommu_group_replace_domain (iommufd_device_do_replace). */
    private static Outcome<Reply> replace(
            Tx tx, FileId ctxId, GroupState group, Hwpt current, Hwpt chosen, boolean created, Tx.Mark before) {
        if (current.id().equals(chosen.id())) {
            return Results.ok(new Reply.Attached(new Handle.IommufdObject(ctxId, chosen.id()), chosen.label(), false));
        }
        Outcome<Reply> replaced = tx.mutated(Mutant.REPLACE_KEEPS_OLD_DOMAIN)
                ? OK
                : DomainRules.replace(tx, group, Optional.of(chosen.domain()));
        if (!replaced.isOk()) {
            tx.rollback(before);
            return replaced;
        }
        IommufdFile ctx = tx.state().fileAs(ctxId, IommufdFile.class);
        for (IommufdObject.Device member : groupDevices(tx, ctx, group.id())) {
            if (member.hwpt().isPresent()) {
                tx.emit(new IommufdDeviceAttached(ctxId, member.id(), Optional.of(chosen.id())));
            }
        }
        destroyIfUnusedAuto(tx, ctxId, current.id());
        return Results.ok(new Reply.Attached(new Handle.IommufdObject(ctxId, chosen.id()), chosen.label(), created));
    }

    /** iommufd_device_detach: the last device of the igroup takes the group back to blocking. */
    static void detach(Tx tx, FileId ctxId, ObjectId idevId) {
        IommufdObject.Device idev = device(tx, ctxId, idevId);
        if (idev.hwpt().isEmpty()) {
            return; // detaching when not attached is a silent no-op
        }
        ObjectId hwpt = idev.hwpt().get();
        ObjectId ioas =
                ((Hwpt) tx.state().fileAs(ctxId, IommufdFile.class).objects().get(hwpt)).ioas();
        IoasReservations.moveDevice(tx, ctxId, idev.device(), Optional.of(ioas), Optional.empty());
        tx.emit(new IommufdDeviceAttached(ctxId, idevId, Optional.empty()));
        GroupState group = tx.state().groupOf(idev.device()).orElseThrow();
        IommufdFile ctx = tx.state().fileAs(ctxId, IommufdFile.class);
        if (groupHwpt(tx, ctx, group.id(), Optional.empty()).isEmpty()
                && !tx.mutated(Mutant.IOMMUFD_DETACH_KEEPS_DOMAIN)) {
            DomainRules.detachGroupOp(tx, group);
        }
        destroyIfUnusedAuto(tx, ctxId, hwpt);
    }

    /** iommufd_vfio_compat_ioas_create: the context's compat IOAS, created on first use. */
    static ObjectId compatIoas(Tx tx, FileId ctxId) {
        IommufdFile ctx = tx.state().fileAs(ctxId, IommufdFile.class);
        if (ctx.compatIoas().isPresent()) {
            return ctx.compatIoas().get();
        }
        ObjectId id = addIoas(tx, ctxId, ctx.label() + ".compat");
        tx.emit(new CompatIoasSet(ctxId, id));
        return id;
    }

    /** The last reference went: destroy every object leaf-first (iommufd_fops_release). */
    static void destroyAll(Tx tx, FileId ctxId) {
        IommufdFile ctx = tx.state().fileAs(ctxId, IommufdFile.class);
        ctx.objects().values().stream()
                .filter(o -> o instanceof IommufdObject.Device)
                .toList()
                .forEach(d -> unbindDevice(tx, ctxId, d.id()));
        tx.state().fileAs(ctxId, IommufdFile.class).objects().values().stream()
                .filter(o -> o instanceof Hwpt)
                .map(o -> (Hwpt) o)
                .toList()
                .forEach(h -> removeHwpt(tx, ctxId, h));
        tx.state().fileAs(ctxId, IommufdFile.class).objects().keySet().stream()
                .toList()
                .forEach(id -> tx.emit(new IommufdObjectRemoved(ctxId, id)));
    }

    /**
     * The object an id names in this context. An id is a number in the context's table, whatever
     * context it came from: an IOAS id or a device id of another iommufd names whatever object has
     * that number here (the kernel's xarray lookup), which a scenario can do by mixing contexts.
     */
    static Optional<IommufdObject> object(Tx tx, IommufdFile ctx, Handle handle) {
        return switch (handle) {
            case Handle.IommufdObject o -> Optional.ofNullable(ctx.objects().get(o.id()));
            case Handle.File f ->
                tx.state()
                        .file(f.id())
                        .filter(file -> file instanceof CdevFile)
                        .flatMap(file -> ((CdevFile) file).binding())
                        .flatMap(ref -> Optional.ofNullable(ctx.objects().get(ref.idev())));
            default -> Optional.empty();
        };
    }

    /**
     * As {@link #object}, for an id field that a step may also give as a raw number: the number is
     * looked up as itself (0 and anything beyond 32 bits name nothing).
     */
    static Optional<IommufdObject> objectOrNumber(Tx tx, IommufdFile ctx, Handle handle) {
        if (handle instanceof Handle.Number n) {
            return n.value() > 0 && n.value() <= Integer.MAX_VALUE
                    ? Optional.ofNullable(ctx.objects().get(new ObjectId((int) n.value())))
                    : Optional.empty();
        }
        return object(tx, ctx, handle);
    }

    /**
     * The id the kernel gives a new object: the lowest free one from 1 (xa_alloc on an
     * XA_FLAGS_ALLOC1 xarray), so a destroyed object's id is given again.
     */
    static ObjectId freeId(IommufdFile ctx) {
        int candidate = 1;
        while (ctx.objects().containsKey(new ObjectId(candidate))) {
            candidate++;
        }
        return new ObjectId(candidate);
    }

    private static ObjectId addIoas(Tx tx, FileId ctxId, String label) {
        ObjectId id = freeId(tx.state().fileAs(ctxId, IommufdFile.class));
        tx.emit(new IommufdObjectAdded(ctxId, new Ioas(id, label, IoasSpace.empty())));
        return id;
    }

    /**
     * iopt_table_add_domain: the domain's reserved regions join the IOAS, then the IOAS fills the
     * domain's page table with every area it already has.
     */
    private static Outcome<Reply> joinIoas(Tx tx, FileId ctxId, Hwpt hwpt) {
        Outcome<Reply> reserved = IoasReservations.addDomain(tx, ctxId, hwpt);
        if (!reserved.isOk()) {
            return reserved;
        }
        IoasSpace space =
                ((Ioas) tx.state().fileAs(ctxId, IommufdFile.class).objects().get(hwpt.ioas())).space();
        return DomainTables.fillIoas(tx, hwpt.domain(), space);
    }

    private static Hwpt addHwpt(Tx tx, FileId ctxId, ObjectId ioas, DeviceId device, String label, boolean auto) {
        ObjectId id = freeId(tx.state().fileAs(ctxId, IommufdFile.class));
        DomainId domain = tx.nextDomainId();
        String iommu = tx.state().spec(device).iommu().orElseThrow();
        IommuSpec spec = tx.state().topology().iommus().get(iommu);
        tx.emit(new DomainAllocated(new DomainState(
                domain,
                label,
                DomainKind.PAGING,
                iommu,
                new DomainUse.HwptPaging(
                        ctxId, id, IommuDomainMappings.empty(spec.pageSizeBitmap(), spec.addressWidth())))));
        Hwpt hwpt = new Hwpt(id, label, ioas, domain, auto);
        tx.emit(new IommufdObjectAdded(ctxId, hwpt));
        return hwpt;
    }

    private static void removeHwpt(Tx tx, FileId ctxId, Hwpt hwpt) {
        tx.emit(new IommufdObjectRemoved(ctxId, hwpt.id()));
        IoasReservations.removeDomain(tx, ctxId, hwpt);
        tx.emit(new DomainFreed(hwpt.domain()));
    }

    private static void destroyIfUnusedAuto(Tx tx, FileId ctxId, ObjectId hwptId) {
        IommufdFile ctx = tx.state().fileAs(ctxId, IommufdFile.class);
        if (ctx.objects().get(hwptId) instanceof Hwpt hwpt
                && hwpt.auto()
                && devicesOn(ctx, hwptId).isEmpty()) {
            removeHwpt(tx, ctxId, hwpt);
        }
    }

    /** An auto HWPT of the IOAS for this IOMMU, preferring the one the device or its group already uses. */
    private static Optional<Hwpt> autoHwptFor(
            Tx tx, IommufdFile ctx, ObjectId ioas, Optional<Hwpt> inUse, String iommu) {
        if (inUse.isPresent() && inUse.get().auto() && inUse.get().ioas().equals(ioas)) {
            return inUse;
        }
        return hwptsOf(ctx, ioas).stream()
                .filter(h -> h.auto() && tx.state().domain(h.domain()).iommu().equals(iommu))
                .findFirst();
    }

    private static List<Hwpt> hwptsOf(IommufdFile ctx, ObjectId ioas) {
        return ctx.objects().values().stream()
                .filter(o -> o instanceof Hwpt h && h.ioas().equals(ioas))
                .map(o -> (Hwpt) o)
                .toList();
    }

    private static List<IommufdObject.Device> devicesOn(IommufdFile ctx, ObjectId hwpt) {
        return ctx.objects().values().stream()
                .filter(o -> o instanceof IommufdObject.Device d && d.hwpt().equals(Optional.of(hwpt)))
                .map(o -> (IommufdObject.Device) o)
                .toList();
    }

    static List<IommufdObject.Device> groupDevices(Tx tx, IommufdFile ctx, GroupId group) {
        return ctx.objects().values().stream()
                .filter(o -> o instanceof IommufdObject.Device d
                        && tx.state().spec(d.device()).group().equals(Optional.of(group)))
                .map(o -> (IommufdObject.Device) o)
                .toList();
    }

    /** igroup->hwpt: the HWPT the group's attached devices in this context use (V8). */
    private static Optional<Hwpt> groupHwpt(Tx tx, IommufdFile ctx, GroupId group, Optional<ObjectId> except) {
        return groupDevices(tx, ctx, group).stream()
                .filter(d -> d.hwpt().isPresent() && !Optional.of(d.id()).equals(except))
                .map(d -> (Hwpt) ctx.objects().get(d.hwpt().get()))
                .findFirst();
    }

    private static IommufdObject.Device device(Tx tx, FileId ctxId, ObjectId idev) {
        return (IommufdObject.Device)
                tx.state().fileAs(ctxId, IommufdFile.class).objects().get(idev);
    }
}
