package dev.custody.sim;

import static dev.custody.sim.GuidedRanges.PAGE;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.ObjectId;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import dev.custody.rules.DirtyTrackingRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Dirty page tracking as the guided iommufd VMM tries it when it would migrate: turning tracking on
 * (or off) on one of its HWPTs and reading the bitmap of a range it mapped. The host's IOMMU (QEMU's
 * emulated VT-d, as the model has it) has no dirty tracking, so no HWPT can be allocated for it and
 * every one of those calls is refused. They are two rare kinds of call ({@link GuidedAction#rare}):
 * as a normal refusal-only kind of call of the role, drawn by novelty, they took enough of the
 * guided runs' draws that seeds 1 to 3 no longer caught the CLAIM_IGNORES_KERNEL_USERS mutant in
 * 20,000 calls. Their refusals spread over the
 * checks in the kernel's order: an unknown flag or a reserved word (EOPNOTSUPP), an id that is no
 * paging HWPT (ENOENT), an empty, overflowing or misaligned range (EINVAL, EOVERFLOW), a HWPT without
 * dirty_ops (EOPNOTSUPP), and another kind of fd.
 */
final class GuidedDirtyTracking {
    private GuidedDirtyTracking() {}

    private static final Handle NO_OBJECT = new Handle.Number(0);

    /**
     * SET_DIRTY_TRACKING as a rare call, as a migration is rare in a VMM's life: aimed, tracking on
     * for one of its HWPTs, which this host refuses all the same; refused, the call's refusals.
     */
    static GuidedAction tracking() {
        return GuidedAction.rare(
                "HwptSetDirtyTracking",
                p -> p.one(p.myObjects(IommufdObject.Hwpt.class, h -> true))
                        .map(h -> new Command.HwptSetDirtyTracking(
                                Pick.file(h.ctx()), h.handle(), DirtyTrackingRules.ENABLE, 0)),
                GuidedDirtyTracking::setRefused);
    }

    /**
     * GET_DIRTY_BITMAP as a rare call: aimed, the bitmap of a range one of the VMM's HWPTs maps (with
     * NO_CLEAR or without), which this host refuses all the same; refused, the call's refusals.
     */
    static GuidedAction bitmap() {
        return GuidedAction.rare("HwptGetDirtyBitmap", GuidedDirtyTracking::migrating, GuidedDirtyTracking::getRefused);
    }

    private static Optional<Command<?>> migrating(Pick p) {
        return p.one(p.myObjects(IommufdObject.Hwpt.class, h -> true)).map(h -> {
            Optional<IoasArea> area = p.one(areasOf(h));
            long iova = area.map(a -> a.iova() & -PAGE).orElseGet(p::iova);
            long length = area.map(a -> Math.max(PAGE, a.length() & -PAGE)).orElse(PAGE);
            return get(Pick.file(h.ctx()), h.handle(), p.random.nextInt(2), 0, iova, length, PAGE);
        });
    }

    private static List<IoasArea> areasOf(Pick.Owned<IommufdObject.Hwpt> h) {
        return ((IommufdObject.Ioas) h.ctx().objects().get(h.object().ioas()))
                .space()
                .areas();
    }

    private static Optional<Command<?>> setRefused(Pick p) {
        Optional<Pick.Owned<IommufdObject.Hwpt>> hwpt = p.one(p.myObjects(IommufdObject.Hwpt.class, h -> true));
        Optional<Command<?>> special = switch (p.random.nextInt(4)) {
            // what a migrating VMM asks first: on (or off again), refused for want of dirty_ops
            case 0 ->
                hwpt.map(h -> new Command.HwptSetDirtyTracking(
                        Pick.file(h.ctx()),
                        h.handle(),
                        p.random.nextInt(4) == 0 ? 0 : DirtyTrackingRules.ENABLE,
                        p.random.nextInt(4) == 0 ? 1 + p.random.nextInt(0xff) : 0));
            // a flag 6.12 does not define, before the id is looked up
            case 1 ->
                hwpt.map(h ->
                        new Command.HwptSetDirtyTracking(Pick.file(h.ctx()), someId(p, h.ctx()), unknownFlag(p), 0));
            // the call on a cdev or a closed fd, not /dev/iommu
            case 2 ->
                hwpt.map(h -> new Command.HwptSetDirtyTracking(otherFd(p), h.handle(), DirtyTrackingRules.ENABLE, 0));
            default -> Optional.empty();
        };
        return special.or(() -> p.myFile(OpenFile.IommufdFile.class, f -> true)
                .map(x ->
                        new Command.HwptSetDirtyTracking(Pick.file(x), notAHwpt(p, x), DirtyTrackingRules.ENABLE, 0)));
    }

    private static Optional<Command<?>> getRefused(Pick p) {
        Optional<Pick.Owned<IommufdObject.Hwpt>> picked = p.one(p.myObjects(IommufdObject.Hwpt.class, h -> true));
        if (picked.isEmpty()) {
            return p.myFile(OpenFile.IommufdFile.class, f -> true)
                    .map(x -> get(Pick.file(x), notAHwpt(p, x), 0, 0, p.iova(), PAGE, PAGE));
        }
        Pick.Owned<IommufdObject.Hwpt> h = picked.get();
        Handle fd = Pick.file(h.ctx());
        // a range the VMM mapped, else one anywhere: both only reach the missing dirty_ops
        Optional<IoasArea> area = p.one(areasOf(h));
        long iova = area.map(a -> a.iova() & -PAGE).orElseGet(p::iova);
        long length = area.map(a -> Math.max(PAGE, a.length() & -PAGE)).orElse(PAGE);
        return Optional.of(
                switch (p.random.nextInt(8)) {
                    case 0 -> get(fd, h.handle(), p.random.nextInt(2), 0, iova, length, PAGE);
                    case 1 ->
                        p.random.nextBoolean()
                                ? get(fd, someId(p, h.ctx()), unknownFlag(p), 0, iova, length, PAGE)
                                : get(fd, someId(p, h.ctx()), 0, 1L << p.random.nextInt(32), iova, length, PAGE);
                    case 2 -> get(fd, notAHwpt(p, h.ctx()), 0, 0, iova, length, PAGE);
                    // an empty range, checked before the overflow an iova near 2^64 would be
                    case 3 -> get(fd, h.handle(), 0, 0, p.random.nextBoolean() ? iova : GuidedRanges.TOP_PAGE, 0, PAGE);
                    // the last byte past 2^64
                    case 4 -> get(fd, h.handle(), 0, 0, GuidedRanges.TOP_PAGE + PAGE / 2, 2 * PAGE, PAGE);
                    // a start inside a page: the IOAS's IOVA alignment (4 KiB with a VT-d domain) cuts it
                    case 5 -> get(fd, h.handle(), 0, 0, iova + PAGE / 2, length, PAGE / 2);
                    // a page size of 0, or a power of two above the length, which cannot divide both ends
                    case 6 ->
                        get(
                                fd,
                                h.handle(),
                                0,
                                0,
                                iova,
                                length,
                                p.random.nextBoolean() ? 0 : Long.highestOneBit(length) << 1);
                    default -> get(otherFd(p), h.handle(), 0, 0, iova, length, PAGE);
                });
    }

    private static Command<?> get(
            Handle fd, Handle hwpt, int flags, long reserved, long iova, long length, long pageSize) {
        return new Command.HwptGetDirtyBitmap(fd, hwpt, flags, reserved, iova, length, pageSize);
    }

    /** A flag word with a bit the uapi does not define (both calls define bit 0 only). */
    private static int unknownFlag(Pick p) {
        return 1 << (1 + p.random.nextInt(31)) | p.random.nextInt(2);
    }

    /** Any id of the context, a HWPT's or not, or a number: the flags are refused before it is looked up. */
    private static Handle someId(Pick p, OpenFile.IommufdFile x) {
        List<Handle> ids = new ArrayList<>();
        x.objects().values().forEach(o -> ids.add(Pick.object(x.id(), o.id())));
        ids.add(new Handle.Number(1 + p.random.nextInt(16)));
        return p.one(ids).orElseThrow();
    }

    /** An id that is no paging HWPT of the context: an IOAS, a device, 0, a number no object has. */
    private static Handle notAHwpt(Pick p, OpenFile.IommufdFile x) {
        List<Handle> ids = new ArrayList<>();
        x.objects().values().stream()
                .filter(o -> !(o instanceof IommufdObject.Hwpt))
                .forEach(o -> ids.add(Pick.object(x.id(), o.id())));
        p.mine(
                        OpenFile.CdevFile.class,
                        c -> c.binding().map(b -> b.iommufd().equals(x.id())).orElse(false))
                .forEach(c -> ids.add(Pick.file(c)));
        ids.add(NO_OBJECT);
        ids.add(new Handle.Number(-1));
        int free = 1;
        while (x.objects().containsKey(new ObjectId(free))) {
            free++;
        }
        ids.add(Pick.object(x.id(), new ObjectId(free)));
        return p.one(ids).orElseThrow();
    }

    /** A cdev of the role (EINVAL unbound, ENOTTY bound) or a handle that is no open iommufd. */
    private static Handle otherFd(Pick p) {
        return p.myFile(OpenFile.CdevFile.class, c -> true).map(Pick::file).orElseGet(p::wrongHandle);
    }
}
