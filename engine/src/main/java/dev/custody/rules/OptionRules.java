package dev.custody.rules;

import static dev.custody.rules.Results.fail;

import dev.custody.model.Errno;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.ProcessCapability;
import dev.custody.model.Reply;
import dev.custody.model.event.FileEvent.IommufdAccountModeSet;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile.CdevFile;
import dev.custody.model.state.OpenFile.IommufdFile;
import java.util.Optional;
import java.util.Set;

/**
 * IOMMU_OPTION (main.c iommufd_option): a context-wide option, IOMMU_OPTION_RLIMIT_MODE
 * (iommufd_option_rlimit_mode), and one per IOAS, IOMMU_OPTION_HUGE_PAGES (iommufd_ioas_option). Every
 * success answers val64: what GET read, or what SET was given (the kernel copies val64 back either way).
 */
public final class OptionRules {
    private OptionRules() {}

    /** enum iommufd_option. */
    public static final long RLIMIT_MODE = 0;

    public static final long HUGE_PAGES = 1;

    /** enum iommufd_option_ops. */
    public static final long OP_SET = 0;

    public static final long OP_GET = 1;

    public static Outcome<Reply> option(
            Tx tx,
            Handle fd,
            long option,
            long op,
            Handle object,
            long val64,
            long reserved,
            Set<ProcessCapability> caps) {
        // another kind of fd answers as for a command it does not know (an unbound cdev: EINVAL)
        Fd<IommufdFile> found = Fd.ioctl(tx.state(), fd, IommufdFile.class);
        if (!found.found()) {
            return found.error();
        }
        if (reserved != 0) {
            // iommufd_option: a non-zero __reserved -> EOPNOTSUPP, before the option is looked at
            return fail(Errno.EOPNOTSUPP, "__reserved 0x" + Integer.toHexString((int) reserved) + " must be 0");
        }
        IommufdFile ctx = found.get();
        if (option == RLIMIT_MODE) {
            return rlimitMode(tx, ctx, op, objectNumber(tx, object), val64, caps);
        }
        if (option == HUGE_PAGES) {
            return hugePages(tx, ctx, op, object, val64);
        }
        return fail(Errno.EOPNOTSUPP, "option_id " + Long.toUnsignedString(option) + " is no option of 6.12");
    }

    /** iommufd_option_rlimit_mode: 0 charges pinned pages to the user, 1 to the process. */
    private static Outcome<Reply> rlimitMode(
            Tx tx, IommufdFile ctx, long op, long objectId, long val64, Set<ProcessCapability> caps) {
        if (objectId != 0) {
            return fail(Errno.EOPNOTSUPP, "RLIMIT_MODE is global: object_id must be 0");
        }
        if (op == OP_GET) {
            return value(ctx.accountPerProcess() ? 1 : 0);
        }
        if (op != OP_SET) {
            return fail(Errno.EOPNOTSUPP, "op " + Long.toUnsignedString(op) + " is neither SET nor GET");
        }
        if (!caps.contains(ProcessCapability.SYS_RESOURCE)) {
            return fail(Errno.EPERM, "setting RLIMIT_MODE needs CAP_SYS_RESOURCE");
        }
        if (!ctx.objects().isEmpty()) {
            // the mode may change only while ictx->objects is empty: nothing can have pinned pages yet
            return fail(Errno.EBUSY, ctx.label() + " holds " + ctx.objects().size() + " object(s)");
        }
        if (val64 != 0 && val64 != 1) {
            return fail(Errno.EINVAL, "RLIMIT_MODE is 0 (per user) or 1 (per process)");
        }
        boolean perProcess = val64 == 1;
        if (perProcess != ctx.accountPerProcess()) {
            tx.emit(new IommufdAccountModeSet(ctx.id(), perProcess));
        }
        return value(val64);
    }

    /** iommufd_ioas_option -> iommufd_ioas_option_huge_pages: 1 allows large pages, 0 disables them. */
    private static Outcome<Reply> hugePages(Tx tx, IommufdFile ctx, long op, Handle object, long val64) {
        Optional<IommufdObject> found = IommufdRules.objectOrNumber(tx, ctx, object);
        if (!(found.orElse(null) instanceof IommufdObject.Ioas ioas)) {
            // iommufd_get_ioas: an id that is no IOAS of this context -> ENOENT
            return fail(Errno.ENOENT, Fd.describe(tx.state(), object) + " is not an IOAS of " + ctx.label());
        }
        if (op == OP_GET) {
            return value(ioas.largePagesDisabled() ? 0 : 1);
        }
        if (op != OP_SET) {
            return fail(Errno.EOPNOTSUPP, "op " + Long.toUnsignedString(op) + " is neither SET nor GET");
        }
        if (val64 == 0) {
            Outcome<Reply> disabled = IoasLargePages.disable(tx, ctx.id(), ioas.id());
            return disabled.isOk() ? value(val64) : disabled;
        }
        if (val64 == 1) {
            IoasLargePages.enable(tx, ctx.id(), ioas.id());
            return value(val64);
        }
        return fail(Errno.EINVAL, "HUGE_PAGES is 0 (disabled) or 1 (enabled)");
    }

    /**
     * The number a step's object_id carries: an object's id, a bound cdev's devid, a raw number, and 0
     * for anything that names nothing (an unbound cdev has no devid).
     */
    private static long objectNumber(Tx tx, Handle object) {
        return switch (object) {
            case Handle.IommufdObject o -> o.id().number();
            case Handle.Number n -> n.value() & 0xffff_ffffL;
            case Handle.File f ->
                tx.state()
                        .file(f.id())
                        .filter(file -> file instanceof CdevFile)
                        .flatMap(file -> ((CdevFile) file).binding())
                        .map(ref -> (long) ref.idev().number())
                        .orElse(0L);
            default -> 0;
        };
    }

    private static Outcome<Reply> value(long val64) {
        return Results.ok(new Reply.Amount("val64", val64));
    }
}
