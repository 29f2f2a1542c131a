package dev.custody.rules.mapping;

import static dev.custody.model.mapping.Addresses.PAGE_SIZE;
import static dev.custody.model.mapping.Addresses.ULONG_MAX;
import static dev.custody.model.mapping.Addresses.hex;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IovaRange;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * How IOMMU_IOAS_MAP without FIXED_IOVA picks an address (io_pagetable.c iopt_alloc_iova): the lowest
 * suitably aligned start, never in the first or last CPU page, inside the allowed list when there is
 * one, that fits a hole between the reserved ranges and the existing areas.
 *
 * <p>Alignment choice: the kernel aligns to min(roundup_pow_of_two(length), the alignment of the user
 * pointer), capped at HPAGE_SIZE (iopt_alloc_iova: "Protect against ALIGN() overflow"; 2 MiB on x86).
 * The model has no user pointer and assumes one aligned at least that well, so the alignment is
 * min(roundup_pow_of_two(length), 2 MiB), raised to the IOAS's iova_alignment if that is larger.
 */
final class IoasIovaAllocator {

    /** The window the kernel searches: [PAGE_SIZE, ULONG_MAX - PAGE_SIZE], so 0 is never chosen. */
    static final IovaRange SEARCH_WINDOW = new IovaRange(PAGE_SIZE, ULONG_MAX - PAGE_SIZE);

    private IoasIovaAllocator() {}

    static Outcome<Long> choose(IoasSpace space, long length) {
        if (Long.compareUnsigned(length, ULONG_MAX >>> 1) >= 0) {
            // iopt_alloc_iova (no FIXED_IOVA): length >= ULONG_MAX / 2 -> EOVERFLOW
            return Outcome.fail(Errno.EOVERFLOW, "length " + hex(length) + " is too large to place automatically");
        }
        long alignment =
                Addresses.max(Math.min(Addresses.roundUpPowerOfTwo(length), HPAGE_SIZE), space.iovaAlignment());
        List<IovaRange> used = new ArrayList<>(space.allReserved());
        used.addAll(space.areaRanges());
        for (IovaRange span : searchSpans(space)) {
            for (IovaRange hole : RangeUnion.holes(used, span)) {
                OptionalLong start = fit(hole, length, alignment);
                if (start.isPresent()) {
                    return Outcome.ok(start.getAsLong());
                }
            }
        }
        // iopt_alloc_iova (no FIXED_IOVA): no hole in the allowed space -> ENOSPC
        return Outcome.fail(
                Errno.ENOSPC, "no free IOVA hole of length " + hex(length) + " aligned to " + hex(alignment));
    }

    /**
     * iopt_alloc_iova for IOMMU_IOAS_COPY, whose placement hint is the source's user address rather than
     * a fresh buffer: {@code pointerAlignment} is the lowest set bit of that address and {@code pageOffset}
     * its offset in its page, which the chosen IOVA keeps.
     */
    static Outcome<Long> chooseLike(IoasSpace space, long length, long pointerAlignment, long pageOffset) {
        if (Long.compareUnsigned(length, ULONG_MAX >>> 1) >= 0) {
            // iopt_alloc_iova: length >= ULONG_MAX / 2 -> EOVERFLOW
            return Outcome.fail(Errno.EOVERFLOW, "length " + hex(length) + " is too large to place automatically");
        }
        long alignment =
                Addresses.min(Addresses.min(Addresses.roundUpPowerOfTwo(length), pointerAlignment), HPAGE_SIZE);
        if (Addresses.lessThan(alignment, space.iovaAlignment())) {
            // iopt_alloc_iova: the pointer's alignment is below the IOAS's iova_alignment -> EINVAL
            return Outcome.fail(
                    Errno.EINVAL,
                    "the source's alignment " + hex(alignment) + " is below the IOVA alignment "
                            + hex(space.iovaAlignment()));
        }
        List<IovaRange> used = new ArrayList<>(space.allReserved());
        used.addAll(space.areaRanges());
        for (IovaRange span : searchSpans(space)) {
            for (IovaRange hole : RangeUnion.holes(used, span)) {
                OptionalLong aligned = Addresses.alignUp(hole.start(), alignment);
                if (aligned.isEmpty()) {
                    continue;
                }
                // __alloc_iova_check_range: ALIGN up, OR in the page offset, then the length must fit
                long start = aligned.getAsLong() | pageOffset;
                if (Addresses.lessThan(start, hole.last())
                        && Long.compareUnsigned(hole.last() - start, length - 1) >= 0) {
                    return Outcome.ok(start);
                }
            }
        }
        // iopt_alloc_iova: no hole in the allowed space -> ENOSPC
        return Outcome.fail(
                Errno.ENOSPC, "no free IOVA hole of length " + hex(length) + " aligned to " + hex(alignment));
    }

    /** The allowed ranges clipped to the search window, or the whole window when none are set. */
    private static List<IovaRange> searchSpans(IoasSpace space) {
        if (space.allowed().isEmpty()) {
            return List.of(SEARCH_WINDOW);
        }
        return RangeUnion.intersect(space.allowed(), List.of(SEARCH_WINDOW));
    }

    /** x86-64's huge page, the cap iopt_alloc_iova puts on the alignment it asks for. */
    static final long HPAGE_SIZE = 2L << 20;

    /** The aligned start of {@code hole} when {@code length} bytes still fit after aligning. */
    private static OptionalLong fit(IovaRange hole, long length, long alignment) {
        OptionalLong aligned = Addresses.alignUp(hole.start(), alignment);
        if (aligned.isEmpty() || !hole.contains(aligned.getAsLong())) {
            return OptionalLong.empty();
        }
        long room = hole.last() - aligned.getAsLong();
        return Long.compareUnsigned(room, length - 1) >= 0 ? aligned : OptionalLong.empty();
    }
}
