package dev.custody.rules;

import static dev.custody.rules.Results.fail;

import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.OpenFile.CdevFile;
import dev.custody.model.state.OpenFile.IommufdFile;
import dev.custody.model.state.OpenFile.IommufdRef;
import dev.custody.model.state.OpenFile.VfioContainer;
import dev.custody.model.state.OpenFile.VfioDeviceFile;
import dev.custody.model.state.OpenFile.VfioGroupFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The hot reset of a VFIO PCI device's bus or slot (drivers/vfio/pci/vfio_pci_core.c:
 * vfio_pci_ioctl_get_pci_hot_reset_info, vfio_pci_ioctl_pci_hot_reset, vfio_pci_dev_set_hot_reset).
 * A reset reaches every device below the bridge of the device's bus, so the caller must own every
 * one of them: the group is the unit, proven by passing its group fd (the legacy form) or, for a
 * cdev, by the iommufd the cdev is bound to holding a device of each group (the iommufd form). The
 * reset itself changes no ownership, so a granted reset emits nothing.
 */
public final class HotResetRules {
    private HotResetRules() {}

    /** VFIO_PCI_HOT_RESET_FLAG_DEV_ID: the answer gives devids, not group ids (a cdev's answer). */
    public static final String FLAG_DEV_ID = "DEV_ID";
    /** VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED: every affected device is owned by the cdev's iommufd. */
    public static final String FLAG_DEV_ID_OWNED = "DEV_ID_OWNED";
    /** VFIO_PCI_DEVID_OWNED: owned through its group, but not bound itself. */
    static final int DEVID_OWNED = 0;
    /** VFIO_PCI_DEVID_NOT_OWNED. */
    static final int DEVID_NOT_OWNED = -1;

    /** VFIO_DEVICE_GET_PCI_HOT_RESET_INFO with room for {@code capacity} entries. */
    public static Outcome<Reply> info(Tx tx, Handle fd, long capacity) {
        KernelState state = tx.state();
        Optional<OpenFile> iommuFile = iommuFile(state, fd);
        if (iommuFile.isPresent()) {
            return infoAsIommuGetInfo(iommuFile.get(), capacity);
        }
        Optional<Outcome<Reply>> refused = deviceFdRefusal(state, fd);
        if (refused.isPresent()) {
            return refused.get();
        }
        OpenFile caller = state.file(((Handle.File) fd).id()).orElseThrow();
        DeviceId device = deviceOf(caller);
        Optional<DeviceId> bridge = state.spec(device).upstreamBridge();
        if (bridge.isEmpty()) {
            return noReset(device);
        }
        List<DeviceId> affected = affected(state, bridge.get());
        if (Long.compareUnsigned(capacity, affected.size()) < 0) {
            return fail(
                    Errno.ENOSPC,
                    "the reset affects " + affected.size() + " devices, the buffer holds " + capacity
                            + " (the answer's count says " + affected.size() + ")");
        }
        if (caller instanceof CdevFile cdev) {
            FileId ictx = cdev.binding().orElseThrow().iommufd();
            List<String> flags = new ArrayList<>(List.of(FLAG_DEV_ID, FLAG_DEV_ID_OWNED));
            List<Integer> devids = new ArrayList<>();
            for (DeviceId each : affected) {
                int devid = inDevSet(state, each, bridge.get()) ? devid(state, each, ictx) : DEVID_NOT_OWNED;
                if (devid == DEVID_NOT_OWNED) {
                    flags.remove(FLAG_DEV_ID_OWNED);
                }
                devids.add(devid);
            }
            devids.sort(null);
            return Results.ok(new Reply.HotResetInfo(affected.size(), flags, 0, devids));
        }
        List<GroupId> groups = new ArrayList<>();
        for (DeviceId each : affected) {
            Optional<GroupId> group = state.spec(each).group();
            if (group.isEmpty()) {
                return fail(Errno.EPERM, each + " has no IOMMU group: a reset of non-isolated devices is refused");
            }
            if (!groups.contains(group.get())) {
                groups.add(group.get());
            }
        }
        return Results.ok(new Reply.HotResetInfo(affected.size(), List.of(), groups.size(), List.of()));
    }

    /** VFIO_DEVICE_PCI_HOT_RESET, errors in the kernel's order. */
    public static Outcome<Reply> reset(Tx tx, Handle fd, List<Handle> groupFds, long flags) {
        KernelState state = tx.state();
        if (iommuFile(state, fd).isPresent()) {
            // VFIO_IOMMU_MAP_DMA there: its header (argsz, flags, vaddr, iova, size) is 32 bytes, the
            // reset's 12 and 4 per group fd, so argsz is short (more than 4 fds would be read as a mapping)
            return fail(
                    Errno.EINVAL,
                    "on a container or an iommufd this ioctl number is VFIO_IOMMU_MAP_DMA, "
                            + "and the reset's argsz is shorter than a mapping's");
        }
        Optional<Outcome<Reply>> refused = deviceFdRefusal(state, fd);
        if (refused.isPresent()) {
            return refused.get();
        }
        OpenFile caller = state.file(((Handle.File) fd).id()).orElseThrow();
        DeviceId device = deviceOf(caller);
        if (flags != 0) {
            return fail(Errno.EINVAL, "flags 0x" + Long.toHexString(flags) + ": the reset takes none");
        }
        boolean cdevOpened = caller instanceof CdevFile;
        if (groupFds.isEmpty() != cdevOpened) {
            return fail(
                    Errno.EINVAL,
                    cdevOpened
                            ? "a cdev proves ownership through its iommufd: its group fd array must be empty"
                            : "a device of the group path must pass the group fds of every affected group");
        }
        Optional<DeviceId> bridge = state.spec(device).upstreamBridge();
        if (bridge.isEmpty()) {
            return noReset(device);
        }
        List<DeviceId> affected = affected(state, bridge.get());
        List<GroupId> provided = new ArrayList<>();
        if (!cdevOpened) {
            if (groupFds.size() > affected.size()) {
                return fail(
                        Errno.EINVAL,
                        groupFds.size() + " group fds for a reset of " + affected.size()
                                + " devices: there cannot be more groups than devices");
            }
            for (Handle each : groupFds) {
                Fd<VfioGroupFile> group = Fd.of(state, each, VfioGroupFile.class, Errno.EINVAL);
                if (!group.found()) {
                    return group.error();
                }
                group.get().group().ifPresent(provided::add);
            }
        }
        for (DeviceId each : affected) {
            if (!inDevSet(state, each, bridge.get())) {
                return fail(
                        Errno.EINVAL,
                        "the reset reaches " + each + ", which is not a VFIO device beside " + device
                                + ": every device a reset reaches must be bound to vfio-pci");
            }
        }
        for (DeviceId each : affected) {
            boolean owned = cdevOpened
                    ? devid(
                                    state,
                                    each,
                                    ((CdevFile) caller).binding().orElseThrow().iommufd())
                            != DEVID_NOT_OWNED
                    : state.spec(each).group().map(provided::contains).orElse(false);
            if (!owned) {
                return fail(
                        Errno.EINVAL,
                        "the reset reaches " + each + " of group "
                                + state.spec(each)
                                        .group()
                                        .map(GroupId::toString)
                                        .orElse("none")
                                + (cdevOpened
                                        ? ", which the cdev's iommufd does not own"
                                        : ", whose group fd the call does not pass"));
            }
        }
        return Results.OK;
    }

    /** An open container or iommufd: the files where these ioctl numbers mean VFIO_IOMMU_* calls. */
    private static Optional<OpenFile> iommuFile(KernelState state, Handle fd) {
        Fd<OpenFile> any = Fd.open(state, fd);
        return any.file().filter(f -> f instanceof VfioContainer || f instanceof IommufdFile);
    }

    /**
     * The info ioctl's number is VFIO_IOMMU_GET_INFO's (VFIO_BASE + 12): a container without an IOMMU
     * driver passes it nowhere (EINVAL); type1, or an iommufd's compat layer, wants argsz to hold the
     * 16 bytes of its header, so an empty buffer is EINVAL; the compat layer then needs its IOAS
     * (ENODEV); otherwise it succeeds with nothing of a hot-reset answer in it.
     */
    private static Outcome<Reply> infoAsIommuGetInfo(OpenFile file, long capacity) {
        if (file instanceof VfioContainer container && container.iommu().isEmpty()) {
            return fail(Errno.EINVAL, container.label() + " has no IOMMU driver to pass VFIO_IOMMU_GET_INFO to");
        }
        if (capacity == 0) {
            return fail(Errno.EINVAL, "VFIO_IOMMU_GET_INFO needs argsz 16, an empty hot-reset buffer gives 12");
        }
        // the compat layer checks argsz before it looks for its IOAS (checked on 6.12 with custody oracle)
        if (file instanceof IommufdFile ctx && ctx.compatIoas().isEmpty()) {
            return fail(Errno.ENODEV, ctx.label() + " has no VFIO compat IOAS for VFIO_IOMMU_GET_INFO");
        }
        return Results.ok(new Reply.HotResetInfo(0, List.of(), 0, List.of()));
    }

    /**
     * The device fd checks before vfio-pci sees the ioctl: an fd that is not open is EBADF, any other
     * kind of file does not know the ioctl (ENOTTY), a cdev not yet bound to an iommufd refuses every
     * ioctl but the bind (EINVAL, vfio_device_fops_unl_ioctl).
     */
    private static Optional<Outcome<Reply>> deviceFdRefusal(KernelState state, Handle fd) {
        Fd<OpenFile> any = Fd.open(state, fd);
        if (!any.found()) {
            return Optional.of(any.error());
        }
        return switch (any.get()) {
            case VfioDeviceFile file -> Optional.empty();
            case CdevFile cdev when cdev.binding().isPresent() -> Optional.empty();
            case CdevFile cdev -> Optional.of(fail(Errno.EINVAL, cdev.label() + " is not bound to an iommufd yet"));
            default -> Optional.of(fail(Errno.ENOTTY, "fd " + any.get().label() + " is not a VFIO device fd"));
        };
    }

    private static DeviceId deviceOf(OpenFile file) {
        return switch (file) {
            case VfioDeviceFile f -> f.device();
            case CdevFile c -> c.device();
            default -> throw new IllegalStateException(file.label() + " is not a device fd");
        };
    }

    private static Outcome<Reply> noReset(DeviceId device) {
        return fail(
                Errno.ENODEV,
                device + " sits on a root bus (or its topology names no bridge above it): "
                        + "neither a slot nor a bus reset is possible");
    }

    /**
     * The present devices below {@code bridge}, on its secondary bus and the buses below it, as
     * pci_walk_bus visits them (bridges too, whatever their driver).
     */
    static List<DeviceId> affected(KernelState state, DeviceId bridge) {
        List<DeviceId> below = new ArrayList<>();
        for (DeviceId each : state.topology().devices().keySet()) {
            if (state.device(each).present() && isBelow(state, each, bridge)) {
                below.add(each);
            }
        }
        return below;
    }

    private static boolean isBelow(KernelState state, DeviceId device, DeviceId bridge) {
        Optional<DeviceId> up = state.spec(device).upstreamBridge();
        for (int depth = 0;
                up.isPresent() && depth <= state.topology().devices().size();
                depth++) {
            if (up.get().equals(bridge)) {
                return true;
            }
            up = state.spec(up.get()).upstreamBridge();
        }
        return false;
    }

    /**
     * Whether the device is in the caller's vfio dev_set: bound to a VFIO driver on the same bus
     * (vfio-pci sets devices off a root bus by slot or by bus; a bus holds at most one slot's
     * worth below a PCIe port, so the two agree here).
     */
    private static boolean inDevSet(KernelState state, DeviceId device, DeviceId bridge) {
        return state.boundToVfio(device) && state.spec(device).upstreamBridge().equals(Optional.of(bridge));
    }

    /**
     * vfio_iommufd_get_dev_id: the device's own devid when it is bound to {@code ictx} (through a
     * cdev, or a group-path device fd on an iommufd-backed group); owned without one when {@code
     * ictx} holds another device of its group; otherwise not owned.
     */
    private static int devid(KernelState state, DeviceId device, FileId ictx) {
        Optional<IommufdRef> own = state.filesOf(CdevFile.class)
                .filter(c -> c.device().equals(device))
                .flatMap(c -> c.binding().stream())
                .filter(ref -> ref.iommufd().equals(ictx))
                .findFirst()
                .or(() -> state.filesOf(VfioDeviceFile.class)
                        .filter(f -> f.device().equals(device))
                        .flatMap(f -> f.binding().stream())
                        .filter(ref -> ref.iommufd().equals(ictx))
                        .findFirst());
        if (own.isPresent()) {
            return own.get().idev().number();
        }
        Optional<GroupId> group = state.spec(device).group();
        if (group.isEmpty()) {
            return DEVID_NOT_OWNED;
        }
        boolean holdsGroup = state.file(ictx)
                .filter(IommufdFile.class::isInstance)
                .map(IommufdFile.class::cast)
                .map(ctx -> ctx.objects().values().stream()
                        .anyMatch(o -> o instanceof IommufdObject.Device d
                                && state.spec(d.device()).group().equals(group)))
                .orElse(false);
        return holdsGroup ? DEVID_OWNED : DEVID_NOT_OWNED;
    }
}
