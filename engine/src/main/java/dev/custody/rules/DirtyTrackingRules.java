package dev.custody.rules;

import static dev.custody.rules.Results.fail;

import dev.custody.model.Errno;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.IommufdObject.Hwpt;
import dev.custody.model.state.OpenFile.IommufdFile;
import java.util.Optional;

/**
 * IOMMU_HWPT_SET_DIRTY_TRACKING and IOMMU_HWPT_GET_DIRTY_BITMAP (hw_pagetable.c
 * iommufd_hwpt_set_dirty_tracking, iommufd_hwpt_get_dirty_bitmap; io_pagetable.c
 * iopt_set_dirty_tracking, iopt_read_and_clear_dirty_data, iommufd_check_iova_range), in the order of
 * 6.12's checks.
 *
 * <p>Both end in the domain's dirty_ops, which only a HWPT allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING
 * has. The model's IOMMUs are QEMU's emulated VT-d without SSADS, which refuses that flag
 * ({@link HwptAllocFlags}), so no HWPT of the model can track dirty pages: every call that passes the
 * argument checks is EOPNOTSUPP and nothing changes. There is no state to keep (docs/decisions.md).
 */
public final class DirtyTrackingRules {
    private DirtyTrackingRules() {}

    /** IOMMU_HWPT_DIRTY_TRACKING_ENABLE. */
    public static final int ENABLE = 1;

    /** IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR. */
    public static final int NO_CLEAR = 1;

    /** The 32 bits of the uapi's __reserved: higher bits of a step's number never reach the kernel. */
    private static final long U32 = 0xffff_ffffL;

    /**
     * IOMMU_HWPT_SET_DIRTY_TRACKING: an unknown flag, then the HWPT lookup, then the domain's
     * dirty_ops. 6.12 never reads this call's __reserved, so it is not an argument of the rule.
     */
    public static Outcome<Reply> setDirtyTracking(Tx tx, Handle fd, Handle hwpt, int flags) {
        // another kind of fd answers as for a command it does not know (an unbound cdev: EINVAL)
        Fd<IommufdFile> found = Fd.ioctl(tx.state(), fd, IommufdFile.class);
        if (!found.found()) {
            return found.error();
        }
        if ((flags & ~ENABLE) != 0) {
            // iommufd_hwpt_set_dirty_tracking: a flag other than ENABLE -> EOPNOTSUPP, before the lookup
            return fail(Errno.EOPNOTSUPP, "flags 0x" + Integer.toHexString(flags) + " has a bit other than ENABLE");
        }
        Optional<Hwpt> paging = pagingHwpt(tx, found.get(), hwpt);
        if (paging.isEmpty()) {
            return notAPagingHwpt(tx, found.get(), hwpt);
        }
        // iopt_set_dirty_tracking: a domain without dirty_ops -> EOPNOTSUPP
        return noDirtyOps(paging.get());
    }

    /**
     * IOMMU_HWPT_GET_DIRTY_BITMAP: an unknown flag or a non-zero __reserved, then the HWPT lookup,
     * then the range against the IOAS's alignment and the bitmap's page size
     * (iommufd_check_iova_range), then the domain's dirty_ops. The range need not be mapped: only a
     * domain with dirty_ops walks the areas (EINVAL for a hole).
     */
    public static Outcome<Reply> getDirtyBitmap(
            Tx tx, Handle fd, Handle hwpt, int flags, long reserved, long iova, long length, long pageSize) {
        Fd<IommufdFile> found = Fd.ioctl(tx.state(), fd, IommufdFile.class);
        if (!found.found()) {
            return found.error();
        }
        if ((flags & ~NO_CLEAR) != 0 || (reserved & U32) != 0) {
            // iommufd_hwpt_get_dirty_bitmap: a flag other than NO_CLEAR, or __reserved -> EOPNOTSUPP
            return fail(
                    Errno.EOPNOTSUPP,
                    "flags 0x" + Integer.toHexString(flags) + " may hold NO_CLEAR only and __reserved 0x"
                            + Long.toHexString(reserved & U32) + " must be 0");
        }
        IommufdFile ctx = found.get();
        Optional<Hwpt> paging = pagingHwpt(tx, ctx, hwpt);
        if (paging.isEmpty()) {
            return notAPagingHwpt(tx, ctx, hwpt);
        }
        IommufdObject.Ioas ioas =
                (IommufdObject.Ioas) ctx.objects().get(paging.get().ioas());
        Optional<Outcome<Reply>> badRange = checkRange(ioas.space().iovaAlignment(), iova, length, pageSize);
        if (badRange.isPresent()) {
            return badRange.get();
        }
        // iommu_read_and_clear_dirty: a domain without dirty_ops -> EOPNOTSUPP
        return noDirtyOps(paging.get());
    }

    /**
     * iommufd_check_iova_range: the range [iova, iova + length) is not empty, does not pass 2^64, and
     * starts and ends on the IOAS's IOVA alignment and on the bitmap's page size. The end is taken
     * modulo 2^64, as the kernel's u64 (a range ending exactly at 2^64 is aligned to anything), and
     * the page size is used as a mask without being checked for a power of two.
     */
    static Optional<Outcome<Reply>> checkRange(long iovaAlignment, long iova, long length, long pageSize) {
        if (length == 0) {
            return Optional.of(fail(Errno.EINVAL, "length 0 reads nothing"));
        }
        if (Long.compareUnsigned(length - 1, -1L - iova) > 0) {
            // check_add_overflow(iova, length - 1): the last byte is past 2^64
            return Optional.of(fail(
                    Errno.EOVERFLOW,
                    "0x" + Long.toHexString(iova) + " + 0x" + Long.toHexString(length) + " passes 2^64"));
        }
        long end = iova + length; // last_iova + 1, modulo 2^64
        if (((iova | end) & (iovaAlignment - 1)) != 0) {
            return Optional.of(fail(
                    Errno.EINVAL,
                    "[0x" + Long.toHexString(iova) + ", 0x" + Long.toHexString(end)
                            + ") is not aligned to the IOAS's 0x" + Long.toHexString(iovaAlignment)));
        }
        if (pageSize == 0) {
            return Optional.of(fail(Errno.EINVAL, "page_size 0"));
        }
        if (((iova | end) & (pageSize - 1)) != 0) {
            return Optional.of(fail(
                    Errno.EINVAL,
                    "[0x" + Long.toHexString(iova) + ", 0x" + Long.toHexString(end) + ") is not aligned to page_size 0x"
                            + Long.toHexString(pageSize)));
        }
        return Optional.empty();
    }

    /** iommufd_get_hwpt_paging: the object the id names, when it is a paging HWPT (every HWPT of the model). */
    private static Optional<Hwpt> pagingHwpt(Tx tx, IommufdFile ctx, Handle hwpt) {
        return IommufdRules.objectOrNumber(tx, ctx, hwpt)
                .filter(o -> o instanceof Hwpt)
                .map(o -> (Hwpt) o);
    }

    /** iommufd_get_object with IOMMUFD_OBJ_HWPT_PAGING: no object, or one of another kind -> ENOENT. */
    private static Outcome<Reply> notAPagingHwpt(Tx tx, IommufdFile ctx, Handle hwpt) {
        return fail(
                Errno.ENOENT, "hwpt_id " + Fd.describe(tx.state(), hwpt) + " is not a paging HWPT of " + ctx.label());
    }

    private static Outcome<Reply> noDirtyOps(Hwpt hwpt) {
        return fail(
                Errno.EOPNOTSUPP,
                "HWPT " + hwpt.label() + " was not allocated with DIRTY_TRACKING (the IOMMU has no SSADS)");
    }
}
