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
