package dev.custody.rules;

import static dev.custody.rules.Results.OK;

import dev.custody.model.DeviceId;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.event.FileEvent.FdClosed;
import dev.custody.model.event.FileEvent.FileReleased;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.OpenFile.CdevFile;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.model.state.OpenFile.VfioDeviceFile;
import dev.custody.model.state.OpenFile.VfioGroupFile;
import java.util.Optional;

/**
 * close(2) and the release that follows when a file's last reference goes: the order in which
 * VFIO and iommufd give ownership back (vfio_group_fops_release, vfio_df_unbind_iommufd, iommufd_fops_release).
 */
public final class FileLifecycle {
    private FileLifecycle() {}

    public static Outcome<Reply> close(Tx tx, Handle fd) {
        Fd<OpenFile> file = Fd.open(tx.state(), fd);
        if (!file.found()) {
            return file.error();
        }
        tx.emit(new FdClosed(file.get().id()));
        releaseIfUnused(tx, file.get().id());
        return OK;
    }

    /** Releases the file if neither its fd nor another object still references it. */
    static void releaseIfUnused(Tx tx, FileId id) {
        Optional<OpenFile> found = tx.state().file(id);
        if (found.isEmpty() || found.get().fdOpen() || referenced(tx.state(), found.get())) {
            return;
        }
        switch (found.get()) {
            case VfioDeviceFile device -> releaseDeviceFile(tx, device);
            case VfioGroupFile group -> releaseGroupFile(tx, group);
            case VfioContainer container -> tx.emit(new FileReleased(container.id()));
            case CdevFile cdev -> releaseCdev(tx, cdev);
            case IommufdFile ctx -> {
                IommufdRules.destroyAll(tx, ctx.id());
                tx.emit(new FileReleased(ctx.id()));
            }
        }
    }

    /** Who pins a file besides its fd, as struct file references do. */
    private static boolean referenced(KernelState state, OpenFile file) {
        return switch (file) {
            case VfioDeviceFile device -> false;
            case CdevFile cdev -> false;
            // vfio_group_use_container takes a reference on the group file for each device opened
            // through a container; the iommufd path takes none (vfio_df_group_open), so there the
            // group file goes with its fd even while device files stay open (found by custody oracle
            // on 6.12)
            case VfioGroupFile group ->
                group.container().isPresent()
                        && !state.deviceFilesOf(group.id()).isEmpty();
            case VfioContainer container -> !state.groupFilesIn(container.id()).isEmpty();
            case IommufdFile ctx -> state.iommufdInUse(ctx.id());
        };
    }

    /** Last close of a device through the group path unbinds its iommufd binding (vfio_df_close). */
    private static void releaseDeviceFile(Tx tx, VfioDeviceFile device) {
        tx.emit(new FileReleased(device.id()));
        boolean lastOpen = !tx.state().openThroughGroupPath(device.device());
        if (lastOpen && device.binding().isPresent()) {
            IommufdRules.unbindDevice(
                    tx, device.binding().get().iommufd(), device.binding().get().idev());
            releaseIfUnused(tx, device.binding().get().iommufd());
        }
        releaseIfUnused(tx, device.groupFile());
        completePending(tx, device.device());
    }

    /** vfio_group_fops_release: detach the container as UNSET would, drop the iommufd. */
    private static void releaseGroupFile(Tx tx, VfioGroupFile group) {
        if (group.container().isPresent()) {
            VfioGroupRules.detachContainer(tx, group.id());
        }
        if (group.iommufd().isPresent()) {
            VfioGroupRules.dropIommufd(tx, group.id());
        }
        tx.emit(new FileReleased(group.id()));
    }

    private static void releaseCdev(Tx tx, CdevFile cdev) {
        if (cdev.binding().isPresent()) {
            CdevRules.unbind(tx, cdev);
        }
        tx.emit(new FileReleased(cdev.id()));
        cdev.binding().ifPresent(b -> releaseIfUnused(tx, b.iommufd()));
        completePending(tx, cdev.device());
    }

    private static void completePending(Tx tx, DeviceId device) {
        DriverCore.completePendingRelease(tx, device);
    }
}
