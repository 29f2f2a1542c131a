package dev.custody.rules;

import static dev.custody.rules.Results.OK;
import static dev.custody.rules.Results.fail;

import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.GroupStatusFlag;
import dev.custody.model.Handle;
import dev.custody.model.ObjectId;
import dev.custody.model.Outcome;
import dev.custody.model.OwnerId;
import dev.custody.model.Reply;
import dev.custody.model.event.FileEvent.FileOpened;
import dev.custody.model.event.FileEvent.GroupFileContainerSet;
import dev.custody.model.event.FileEvent.GroupFileDetached;
import dev.custody.model.event.FileEvent.GroupFileIommufdSet;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.IommufdRef;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.model.state.OpenFile.VfioDeviceFile;
import dev.custody.model.state.OpenFile.VfioGroupFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The VFIO group fd, /dev/vfio/N (drivers/vfio/group.c). */
public final class VfioGroupRules {
    private VfioGroupRules() {}

    /**
     * open(/dev/vfio/N): single opener, and never beside a cdev-bound sibling (invariants V1, V2). A
     * group with no VFIO device has no node at all, so open(2) answers ENOENT (checked against 6.12
     * with `custody oracle`); the kernel's own ENODEV is for an open racing the last removal.
     */
    public static Outcome<Reply> open(Tx tx, GroupId groupId, String label) {
        if (tx.state().vfioDevicesOf(groupId).isEmpty()) {
            return fail(Errno.ENOENT, "group " + groupId + " has no VFIO device, so no /dev/vfio node");
        }
        if (tx.state().openedGroupFile(groupId).isPresent() && !tx.mutated(Mutant.GROUP_OPEN_NOT_EXCLUSIVE)) {
            return fail(
                    Errno.EBUSY,
                    "group " + groupId + " is already open as "
                            + tx.state().openedGroupFile(groupId).get().label());
        }
        if (tx.state().cdevBoundCount(groupId) > 0 && !tx.mutated(Mutant.GROUP_OPEN_IGNORES_CDEV)) {
            return fail(
                    Errno.EBUSY,
                    "group " + groupId + " has " + tx.state().cdevBoundCount(groupId)
                            + " device(s) bound through VFIO cdevs");
        }
        VfioGroupFile file = new VfioGroupFile(
                tx.nextFileId(), label, true, Optional.of(groupId), Optional.empty(), Optional.empty());
        tx.emit(new FileOpened(file));
        return Results.ok(new Reply.Created(new Handle.File(file.id())));
    }

    /** VFIO_GROUP_GET_STATUS (vfio_group_ioctl_get_status). */
    public static Outcome<Reply> status(Tx tx, Handle fd) {
        Fd<VfioGroupFile> file = Fd.ioctl(tx.state(), fd, VfioGroupFile.class);
        if (!file.found()) {
            return file.error();
        }
        if (file.get().group().isEmpty()) {
            return fail(Errno.ENODEV, "group of " + file.get().label() + " is gone");
        }
        if (file.get().hasContainerOrIommufd()) {
            return Results.ok(new Reply.GroupStatus(List.of(GroupStatusFlag.VIABLE, GroupStatusFlag.CONTAINER_SET)));
        }
        GroupState group = tx.state().group(file.get().group().get()).orElseThrow();
        return Results.ok(new Reply.GroupStatus(group.ownerCnt() == 0 ? List.of(GroupStatusFlag.VIABLE) : List.of()));
    }

    /** VFIO_GROUP_SET_CONTAINER with a container or an iommufd (vfio_group_ioctl_set_container). */
    public static Outcome<Reply> setContainer(Tx tx, Handle fd, Handle containerFd) {
        Fd<VfioGroupFile> file = Fd.ioctl(tx.state(), fd, VfioGroupFile.class);
        if (!file.found()) {
            return file.error();
        }
        Fd<OpenFile> target = Fd.open(tx.state(), containerFd);
        if (!target.found()) {
            return target.error();
        }
        if (file.get().hasContainerOrIommufd()) {
            return fail(Errno.EINVAL, file.get().label() + " already has a container or iommufd");
        }
        if (file.get().group().isEmpty()) {
            return fail(Errno.ENODEV, "group of " + file.get().label() + " is gone");
        }
        return switch (target.get()) {
            case VfioContainer container -> attachContainer(tx, file.get(), container);
            case IommufdFile iommufd -> attachIommufd(tx, file.get(), iommufd);
            default -> fail(Errno.EBADFD, "fd " + target.get().label() + " is neither a VFIO container nor an iommufd");
        };
    }

    /** vfio_container_attach_group: claim the group, then attach it if the container has an IOMMU driver. */
    private static Outcome<Reply> attachContainer(Tx tx, VfioGroupFile file, VfioContainer container) {
        GroupState group = tx.state().group(file.group().orElseThrow()).orElseThrow();
        Tx.Mark before = tx.mark();
        Outcome<Reply> claimed =
                GroupRules.claimGroup(tx, group, Optional.of(OwnerId.vfioGroupFile(file.id(), file.label())));
        if (!claimed.isOk()) {
            return claimed;
        }
        if (container.iommuDriver().isPresent()) {
            List<GroupId> members = new ArrayList<>(tx.state().groupFilesIn(container.id()).stream()
                    .map(f -> f.group().orElseThrow())
                    .toList());
            members.add(group.id());
            Outcome<Reply> attached = VfioContainerRules.regeometry(tx, container.id(), members);
            if (attached.isOk()) {
                attached = VfioContainerRules.attachGroup(tx, container.id(), group.id());
            }
            if (!attached.isOk()) {
                tx.rollback(before); // the kernel releases the ownership it just took
                return attached;
            }
        }
        tx.emit(new GroupFileContainerSet(file.id(), Optional.of(container.id())));
        return OK;
    }

    /** The iommufd compat path: no ownership is claimed until GET_DEVICE_FD (vfio_df_iommufd_bind). */
    private static Outcome<Reply> attachIommufd(Tx tx, VfioGroupFile file, IommufdFile iommufd) {
        IommufdRules.compatIoas(tx, iommufd.id());
        tx.emit(new GroupFileIommufdSet(file.id(), Optional.of(iommufd.id())));
        return OK;
    }

    /** VFIO_GROUP_UNSET_CONTAINER (vfio_group_ioctl_unset_container). */
    public static Outcome<Reply> unsetContainer(Tx tx, Handle fd) {
        Fd<VfioGroupFile> file = Fd.ioctl(tx.state(), fd, VfioGroupFile.class);
        if (!file.found()) {
            return file.error();
        }
        if (!file.get().hasContainerOrIommufd()) {
            return fail(Errno.EINVAL, file.get().label() + " has no container or iommufd");
        }
        if (file.get().container().isPresent()) {
            long devicesOpen = openDevices(tx, file.get().id()).size();
            if (devicesOpen > 0 && !tx.mutated(Mutant.UNSET_IGNORES_OPEN_DEVICES)) {
                return fail(
                        Errno.EBUSY,
                        file.get().label() + " has " + devicesOpen + " device(s) open (container_users "
                                + (devicesOpen + 1) + ")");
            }
            detachContainer(tx, file.get().id());
        }
        if (file.get().iommufd().isPresent()) {
            // checked on 6.12: open device fds keep their iommufd binding and so the claim
            dropIommufd(tx, file.get().id());
        }
        return OK;
    }

    /** VFIO_GROUP_GET_DEVICE_FD (vfio_group_ioctl_get_device_fd). */
    public static Outcome<Reply> getDeviceFd(Tx tx, Handle fd, DeviceId device, String label) {
        Fd<VfioGroupFile> found = Fd.ioctl(tx.state(), fd, VfioGroupFile.class);
        if (!found.found()) {
            return found.error();
        }
        VfioGroupFile file = found.get();
        if (file.group().isEmpty()) {
            return fail(Errno.ENODEV, "group of " + file.label() + " is gone");
        }
        boolean registered = tx.state().vfioDevicesOf(file.group().get()).contains(device)
                && tx.state().device(device).pending().isEmpty();
        if (!registered) {
            return fail(
                    Errno.ENODEV,
                    device + " is not a VFIO device of group " + file.group().get());
        }
        if (!file.hasContainerOrIommufd()) {
            return fail(Errno.EINVAL, file.label() + " has no container or iommufd");
        }
        if (file.container().isPresent()
                && tx.state()
                        .fileAs(file.container().get(), VfioContainer.class)
                        .iommuDriver()
                        .isEmpty()) {
            return fail(Errno.EINVAL, "container of " + file.label() + " has no IOMMU driver (VFIO_SET_IOMMU)");
        }
        // device->open_count counts every open of the device, through this group file or an earlier one
        List<VfioDeviceFile> sameDevice = tx.state()
                .filesOf(VfioDeviceFile.class)
                .filter(f -> f.device().equals(device))
                .toList();
        Optional<IommufdRef> binding = sameDevice.stream().findFirst().flatMap(VfioDeviceFile::binding);
        if (sameDevice.isEmpty() && file.iommufd().isPresent()) {
            Outcome<IommufdRef> bound = bindThroughCompat(tx, file.iommufd().get(), device);
            if (!(bound instanceof Outcome.Ok<IommufdRef> ok)) {
                return bound.castFailure();
            }
            binding = Optional.of(ok.value());
        }
        VfioDeviceFile deviceFile = new VfioDeviceFile(tx.nextFileId(), label, true, device, file.id(), binding);
        tx.emit(new FileOpened(deviceFile));
        return Results.ok(new Reply.Created(new Handle.File(deviceFile.id())));
    }

    /** vfio_df_iommufd_bind on first open: bind the device and attach it to the compat IOAS. */
    private static Outcome<IommufdRef> bindThroughCompat(Tx tx, dev.custody.model.FileId iommufd, DeviceId device) {
        Tx.Mark before = tx.mark();
        Outcome<ObjectId> bound = IommufdRules.bindDevice(tx, iommufd, device, device.name());
        if (!(bound instanceof Outcome.Ok<ObjectId> idev)) {
            return bound.castFailure();
        }
        // vfio_iommufd_compat_attach_ioas asks for the compat IOAS without creating one
        // (iommufd_vfio_compat_ioas_get_id): destroyed since SET_CONTAINER made it, it is ENODEV
        IommufdFile ctx = tx.state().fileAs(iommufd, IommufdFile.class);
        Optional<ObjectId> compat = ctx.compatIoas();
        if (compat.isEmpty()) {
            tx.rollback(before);
            return fail(
                            Errno.ENODEV,
                            "the compat IOAS of " + ctx.label() + " was destroyed after the group was set to it")
                    .castFailure();
        }
        ObjectId ioas = compat.get();
        Outcome<Reply> attached = IommufdRules.attach(tx, iommufd, idev.value(), ioas, Optional.empty());
        if (!attached.isOk()) {
            tx.rollback(before);
            return attached.castFailure();
        }
        return Outcome.ok(new IommufdRef(iommufd, idev.value()));
    }

    /** Distinct devices with open device fds through this group file: container_users - 1 (V5). */
    static List<DeviceId> openDevices(Tx tx, dev.custody.model.FileId groupFile) {
        List<DeviceId> devices = new ArrayList<>();
        tx.state().deviceFilesOf(groupFile).forEach(f -> {
            if (!devices.contains(f.device())) {
                devices.add(f.device());
            }
        });
        return devices;
    }

    /** vfio_group_detach_container: type1 detach (-> blocking), then release ownership (-> default). */
    static void detachContainer(Tx tx, dev.custody.model.FileId groupFile) {
        VfioGroupFile file = tx.state().fileAs(groupFile, VfioGroupFile.class);
        dev.custody.model.FileId container = file.container().orElseThrow();
        file.group().flatMap(tx.state()::group).ifPresent(group -> {
            if (tx.state().fileAs(container, VfioContainer.class).iommuDriver().isPresent()) {
                VfioContainerRules.detachGroup(tx, container, group.id());
            }
            GroupRules.releaseGroup(tx, tx.state().group(group.id()).orElseThrow());
        });
        tx.emit(new GroupFileContainerSet(groupFile, Optional.empty()));
        VfioContainerRules.afterGroupLeft(tx, container);
    }

    static void dropIommufd(Tx tx, dev.custody.model.FileId groupFile) {
        dev.custody.model.FileId iommufd =
                tx.state().fileAs(groupFile, VfioGroupFile.class).iommufd().orElseThrow();
        tx.emit(new GroupFileIommufdSet(groupFile, Optional.empty()));
        FileLifecycle.releaseIfUnused(tx, iommufd);
    }

    /**
     * The group's last VFIO device unregistered while its file is open (checked on 6.12): the claim
     * is dropped at once and the file answers ENODEV from now on.
     */
    static void afterDeviceUnregistered(Tx tx, GroupId groupId) {
        if (!tx.state().vfioDevicesOf(groupId).isEmpty()) {
            return;
        }
        tx.state().openedGroupFile(groupId).ifPresent(file -> {
            if (file.container().isPresent()) {
                detachContainer(tx, file.id());
            }
            if (file.iommufd().isPresent()) {
                dropIommufd(tx, file.id());
            }
            tx.emit(new GroupFileDetached(file.id()));
        });
    }
}
