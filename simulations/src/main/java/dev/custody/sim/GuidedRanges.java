package dev.custody.sim;

import dev.custody.model.Handle;
import dev.custody.model.ObjectId;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * The addresses and lengths a stress tester feeds map and unmap calls: page-aligned IOVAs off the 2 MiB
 * grid, odd page counts and 1 GiB lengths beside the powers of two, and the malformed ranges each uapi
 * checks for (length 0, ULONG_MAX, a range wrapping past 2^64, the MSI window, past the aperture).
 */
final class GuidedRanges {
    private GuidedRanges() {}

    static final long PAGE = 0x1000L;
    static final long HUGE = 0x20_0000L;
    static final long GIGA = 0x4000_0000L;
    /** The x86 interrupt window every device reserves (IOMMU_RESV_MSI). */
    static final long MSI = 0xfee0_0000L;

    static final long MSI_LENGTH = 0x10_0000L;
    /** The last page of the 64-bit space: one more page wraps. */
    static final long TOP_PAGE = 0xffff_ffff_ffff_f000L;

    static final long ULONG_MAX = -1L;

    /** An (iova, length) pair. */
    record Span(long iova, long length) {}

    /** A page-aligned IOVA above 4 GiB: on the 2 MiB grid, or a few pages off it a quarter of the time. */
    static long iova(Pick p) {
        return p.iova() + (p.random.nextInt(4) == 0 ? PAGE * (1 + p.random.nextInt(511)) : 0);
    }

    /** A length every page size divides: mostly a power of two to 2 MiB, else any page count or 1 GiB. */
    static long length(Pick p) {
        return switch (p.random.nextInt(8)) {
            case 0 -> PAGE * (1 + p.random.nextInt(700));
            case 1 -> GIGA;
            default -> p.size();
        };
    }

    /** An IOVA from {@link #iova} where {@code free} holds, after a few tries; else the last one drawn. */
    static long freeIova(Pick p, LongPredicate free) {
        long iova = iova(p);
        for (int attempt = 0; attempt < 4 && !free.test(iova); attempt++) {
            iova = iova(p);
        }
        return iova;
    }

    /**
     * A range the uapi checks refuse before looking at what is mapped: length 0, iova or length
     * ULONG_MAX, a range wrapping past 2^64, iova 0 with a small length, a misaligned iova or length.
     */
    static Span malformed(Pick p) {
        return switch (p.random.nextInt(7)) {
            case 0 -> new Span(p.iova(), 0);
            case 1 -> new Span(TOP_PAGE, 2 * PAGE);
            case 2 -> new Span(ULONG_MAX, PAGE);
            case 3 -> new Span(p.iova(), ULONG_MAX);
            case 4 -> new Span(0, PAGE);
            case 5 -> new Span(p.iova(), p.misaligned());
            default -> new Span(p.misaligned(), PAGE);
        };
    }

    /** Two indices {@code i <= j} of a list of {@code n > 0}: the first and last of the areas a range spans. */
    static int[] twoIndices(Pick p, int n) {
        int a = p.random.nextInt(n);
        int b = p.random.nextInt(n);
        return new int[] {Math.min(a, b), Math.max(a, b)};
    }

    /**
     * An IOAS name that is wrong for this role's context: an id no IOAS holds (never given, or
     * destroyed), a HWPT or device id, the id of an IOAS of another context, an object of a closed
     * iommufd, an object id on an fd that is not an iommufd, or the iommufd's own fd.
     */
    static Handle wrongIoas(Pick p) {
        List<OpenFile.IommufdFile> mine = p.mine(OpenFile.IommufdFile.class, f -> true);
        Optional<OpenFile.IommufdFile> ctx = p.one(mine);
        switch (p.random.nextInt(6)) {
            case 0 -> {
                if (ctx.isPresent()) {
                    return Pick.object(ctx.get().id(), unusedId(p, ctx.get()));
                }
            }
            case 1 -> {
                if (ctx.isPresent()) {
                    List<IommufdObject> others = ctx.get().objects().values().stream()
                            .filter(o -> !(o instanceof IommufdObject.Ioas))
                            .toList();
                    Optional<IommufdObject> other = p.one(others);
                    if (other.isPresent()) {
                        return Pick.object(ctx.get().id(), other.get().id());
                    }
                }
            }
            case 2 -> {
                // the number of another context's IOAS, passed on this one (iommufd ids are per fd)
                List<Handle> foreign = new ArrayList<>();
                ctx.ifPresent(here -> p.state
                        .filesOf(OpenFile.IommufdFile.class)
                        .filter(f -> !f.id().equals(here.id()))
                        .forEach(f -> f.objects().values().stream()
                                .filter(o -> o instanceof IommufdObject.Ioas)
                                .forEach(o -> foreign.add(Pick.object(here.id(), o.id())))));
                Optional<Handle> picked = p.one(foreign);
                if (picked.isPresent()) {
                    return picked.get();
                }
            }
            case 3 -> {
                Optional<OpenFile.IommufdFile> closed = p.one(p.state
                        .filesOf(OpenFile.IommufdFile.class)
                        .filter(f -> !f.fdOpen())
                        .toList());
                if (closed.isPresent()) {
                    return Pick.object(closed.get().id(), new ObjectId(1));
                }
            }
            case 4 -> {
                // an object id sent to a VFIO fd of the role: the ioctl reaches a handler that knows no IOMMU_*
                Optional<OpenFile> other = p.one(p.mine(OpenFile.class, f -> !(f instanceof OpenFile.IommufdFile)));
                if (other.isPresent()) {
                    return Pick.object(other.get().id(), new ObjectId(1));
                }
            }
            default -> {
                if (ctx.isPresent()) {
                    return Pick.file(ctx.get());
                }
            }
        }
        return p.wrongHandle();
    }

    private static ObjectId unusedId(Pick p, OpenFile.IommufdFile ctx) {
        for (int attempt = 0; attempt < 8; attempt++) {
            ObjectId id = new ObjectId(1 + p.random.nextInt(12));
            if (!ctx.objects().containsKey(id)) {
                return id;
            }
        }
        return new ObjectId(1_000);
    }
}
