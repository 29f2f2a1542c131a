package dev.custody.rules;

import static dev.custody.rules.Results.OK;
import static dev.custody.rules.Results.fail;

import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.ObjectId;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.event.FileEvent.CdevBindingSet;
import dev.custody.model.event.FileEvent.FileOpened;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.OpenFile.CdevFile;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.IommufdRef;
import dev.custody.model.state.OpenFile.VfioDeviceFile;
import java.util.Optional;

/** The VFIO device cdev, /dev/vfio/devices/vfioX (drivers/vfio/device_cdev.c). */
public final class CdevRules {
    private CdevRules() {}

    /**
     * open: succeeds for any registered VFIO device, bound or not. An unregistered one (never bound
     * to a VFIO driver, or being unbound: unregistering deletes the node before it waits) has no
     * /dev/vfio/devices node, so open(2) answers ENOENT (checked against 6.12 with `custody oracle`).
     */
    public static Outcome<Reply> open(Tx tx, DeviceId device, String label) {
        if (!tx.state().boundToVfio(device)
                || tx.state().device(device).pending().isPresent()) {
            return fail(Errno.ENOENT, device + " is not a registered VFIO device, so it has no cdev node");
        }
        CdevFile file = new CdevFile(tx.nextFileId(), label, true, device, Optional.empty());
        tx.emit(new FileOpened(file));
        return Results.ok(new Reply.Created(new Handle.File(file.id())));
    }

    /** VFIO_DEVICE_BIND_IOMMUFD, errors in the kernel's order (vfio_df_ioctl_bind_iommufd). */
    public static Outcome<Reply> bind(Tx tx, Handle fd, Handle iommufd) {
        Fd<OpenFile> any = Fd.open(tx.state(), fd);
        if (!any.found()) {
            return any.error();
        }
        // only a device fd's handler reaches vfio_df_ioctl_bind_iommufd and its checks
        if (!(any.get() instanceof VfioDeviceFile) && !(any.get() instanceof CdevFile)) {
            return fail(Fd.unknownIoctl(any.get()), "fd " + any.get().label() + " is not a VFIO cdev");
        }
        if (iommufd instanceof Handle.Number n && n.value() < 0) {
            return fail(Errno.EINVAL, "iommufd " + n.value() + " is negative");
        }
        if (any.get() instanceof VfioDeviceFile) {
            return fail(
                    Errno.EINVAL,
                    "BIND_IOMMUFD is only for cdev fds, " + any.get().label() + " came from a group");
        }
        if (!(any.get() instanceof CdevFile cdev)) {
            return fail(Fd.unknownIoctl(any.get()), "fd " + any.get().label() + " is not a VFIO cdev");
        }
        GroupId group = tx.state().spec(cdev.device()).group().orElseThrow();
        if (tx.state().openedGroupFile(group).isPresent() && !tx.mutated(Mutant.CDEV_BIND_IGNORES_GROUP_FILE)) {
            return fail(
                    Errno.EBUSY,
                    "group " + group + " is open as "
                            + tx.state().openedGroupFile(group).get().label());
        }
        if (cdev.binding().isPresent()) {
            return fail(Errno.EINVAL, cdev.label() + " is already bound");
        }
        Fd<IommufdFile> ctx = Fd.of(tx.state(), iommufd, IommufdFile.class, Errno.EBADFD);
        if (!ctx.found()) {
            return ctx.error();
        }
        if (openElsewhere(tx, cdev)) {
            return fail(Errno.EINVAL, cdev.device() + " is already open through another fd");
        }
        Tx.Mark before = tx.mark();
        Outcome<ObjectId> bound = IommufdRules.bindDevice(tx, ctx.get().id(), cdev.device(), cdev.label());
        if (!(bound instanceof Outcome.Ok<ObjectId> idev)) {
            return bound.castFailure();
        }
        if (tx.state().device(cdev.device()).pending().isPresent()) {
            // The first open runs vfio-pci's open_device, whose reset only try-locks the device:
            // the blocked unbind holds that lock, so the open fails and the bind is undone
            // (vfio_pci_core_enable, pci_try_reset_function; checked on 6.12 with custody oracle).
            tx.rollback(before);
            return fail(
                    Errno.EAGAIN,
                    cdev.device() + " is being unbound and holds its device lock; " + "the first open cannot reset it");
        }
        tx.emit(new CdevBindingSet(
                cdev.id(), Optional.of(new IommufdRef(ctx.get().id(), idev.value()))));
        return Results.ok(new Reply.Bound(idev.value().number()));
    }

    /** VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach, or replace when attached (vfio_iommufd_physical_attach_ioas). */
    public static Outcome<Reply> attach(Tx tx, Handle fd, Handle pt, Optional<String> label) {
        Fd<CdevFile> cdev = Fd.ioctl(tx.state(), fd, CdevFile.class);
        if (!cdev.found()) {
            return cdev.error();
        }
        if (cdev.get().binding().isEmpty()) {
            return fail(Errno.EINVAL, cdev.get().label() + " is not bound to an iommufd");
        }
        IommufdRef ref = cdev.get().binding().get();
        IommufdFile ctx = tx.state().fileAs(ref.iommufd(), IommufdFile.class);
        Optional<IommufdObject> target = IommufdRules.object(tx, ctx, pt);
        if (target.isEmpty()) {
            return fail(Errno.ENOENT, "pt " + Fd.describe(tx.state(), pt) + " is not an object of " + ctx.label());
        }
        return IommufdRules.attach(tx, ref.iommufd(), ref.idev(), target.get().id(), label);
    }

    /** VFIO_DEVICE_DETACH_IOMMUFD_PT. */
    public static Outcome<Reply> detach(Tx tx, Handle fd) {
        Fd<CdevFile> cdev = Fd.ioctl(tx.state(), fd, CdevFile.class);
        if (!cdev.found()) {
            return cdev.error();
        }
        if (cdev.get().binding().isEmpty()) {
            return fail(Errno.EINVAL, cdev.get().label() + " is not bound to an iommufd");
        }
        IommufdRules.detach(
                tx,
                cdev.get().binding().get().iommufd(),
                cdev.get().binding().get().idev());
        return OK;
    }

    /** Unbind at close: detach, release the claim, unblock the group (vfio_df_unbind_iommufd). */
    static void unbind(Tx tx, CdevFile cdev) {
        IommufdRef ref = cdev.binding().orElseThrow();
        IommufdRules.unbindDevice(tx, ref.iommufd(), ref.idev());
        tx.emit(new CdevBindingSet(cdev.id(), Optional.empty()));
    }

    /** The cdev path allows one open of a device; the group path's opens count too (vfio_df_open). */
    private static boolean openElsewhere(Tx tx, CdevFile cdev) {
        return tx.state().boundThroughAnotherCdev(cdev.device(), cdev.id())
                || tx.state().openThroughGroupPath(cdev.device());
    }
}
