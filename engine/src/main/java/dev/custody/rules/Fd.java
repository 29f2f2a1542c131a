package dev.custody.rules;

import dev.custody.model.Errno;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import java.util.Optional;

/**
 * Resolving an fd argument the way fdget() and the f_op checks do: a number that is no open fd is
 * EBADF; an open fd of another kind answers what the caller says (EBADFD, EINVAL, ENOTTY).
 */
record Fd<F extends OpenFile>(Optional<F> file, Outcome<Reply> error) {

    boolean found() {
        return file.isPresent();
    }

    F get() {
        return file.orElseThrow();
    }

    /** Any open fd, whatever its kind. */
    static Fd<OpenFile> open(KernelState state, Handle handle) {
        if (handle instanceof Handle.File f) {
            Optional<OpenFile> file = state.file(f.id()).filter(OpenFile::fdOpen);
            if (file.isPresent()) {
                return new Fd<>(file, Results.OK);
            }
        }
        return new Fd<>(Optional.empty(), Results.fail(Errno.EBADF, describe(state, handle) + " is not an open fd"));
    }

    /** An open fd that must be of {@code kind}; another kind gets {@code wrongKind}. */
    static <F extends OpenFile> Fd<F> of(KernelState state, Handle handle, Class<F> kind, Errno wrongKind) {
        Fd<OpenFile> any = open(state, handle);
        if (!any.found()) {
            return new Fd<>(Optional.empty(), any.error());
        }
        if (!kind.isInstance(any.get())) {
            return new Fd<>(
                    Optional.empty(),
                    Results.fail(wrongKind, "fd " + any.get().label() + " is not a " + kindName(kind)));
        }
        return new Fd<>(Optional.of(kind.cast(any.get())), Results.OK);
    }

    /**
     * An open fd whose ioctl handler must be {@code kind}'s; the handler of another kind of file
     * answers as for a command it does not know ({@link #unknownIoctl}).
     */
    static <F extends OpenFile> Fd<F> ioctl(KernelState state, Handle handle, Class<F> kind) {
        Fd<OpenFile> any = open(state, handle);
        if (any.found() && !kind.isInstance(any.get())) {
            return new Fd<>(
                    Optional.empty(),
                    Results.fail(unknownIoctl(any.get()), "fd " + any.get().label() + " is not a " + kindName(kind)));
        }
        return of(state, handle, kind, Errno.ENOTTY);
    }

    /**
     * What an ioctl its handler does not know answers on each kind of file (6.12): a VFIO group's
     * handler and the type1 IOMMU driver answer ENOTTY (vfio_group_fops_unl_ioctl,
     * vfio_iommu_type1_ioctl); a container with no IOMMU driver yet passes unknown commands nowhere
     * and answers its initial EINVAL (vfio_fops_unl_ioctl); a device fd answers EINVAL until access is
     * granted (a cdev before BIND_IOMMUFD), then the VFIO PCI driver's ENOTTY
     * (vfio_device_fops_unl_ioctl, vfio_pci_core_ioctl); an iommufd hands VFIO-numbered commands to its
     * compat layer, which answers ENOIOCTLCMD, seen as ENOTTY (iommufd_fops_ioctl, iommufd_vfio_ioctl).
     */
    static Errno unknownIoctl(OpenFile file) {
        return switch (file) {
            case OpenFile.VfioContainer container -> container.iommu().isEmpty() ? Errno.EINVAL : Errno.ENOTTY;
            case OpenFile.CdevFile cdev -> cdev.binding().isEmpty() ? Errno.EINVAL : Errno.ENOTTY;
            case OpenFile.VfioGroupFile _, OpenFile.VfioDeviceFile _, OpenFile.IommufdFile _ -> Errno.ENOTTY;
        };
    }

    static String describe(KernelState state, Handle handle) {
        return switch (handle) {
            case Handle.File f ->
                "fd " + state.file(f.id()).map(OpenFile::label).orElse(f.id().toString());
            case Handle.Number n -> "fd " + n.value();
            case Handle.Unbound u -> "\"" + u.name() + "\" (its creating step failed)";
            case Handle.Domain d -> "domain " + Describe.domain(state, d.id());
            case Handle.IommufdObject o -> "iommufd object " + o.id();
        };
    }

    static String kindName(Class<? extends OpenFile> kind) {
        return switch (kind.getSimpleName()) {
            case "VfioGroupFile" -> "VFIO group fd";
            case "VfioContainer" -> "VFIO container";
            case "VfioDeviceFile" -> "VFIO device fd";
            case "CdevFile" -> "VFIO cdev";
            case "IommufdFile" -> "iommufd";
            default -> kind.getSimpleName();
        };
    }
}
