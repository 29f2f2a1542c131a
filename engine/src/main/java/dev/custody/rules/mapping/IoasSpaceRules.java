package dev.custody.rules.mapping;

import static dev.custody.model.mapping.Addresses.ULONG_MAX;
import static dev.custody.model.mapping.Addresses.hex;
import static dev.custody.model.mapping.Addresses.isAligned;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Prot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What iommufd decides on an IOAS (ioas.c, io_pagetable.c): IOAS_MAP (with the IOVA it picks),
 * IOAS_UNMAP and the VFIO compat unmap, ALLOW_IOVAS, the reserved ranges of devices and domains and
 * the alignment domains impose. Each answer comes with the areas it removed and added; pinning and
 * the domains themselves are not modelled here.
 */
public final class IoasSpaceRules {
    private IoasSpaceRules() {}

    /** The uapi bits of struct iommu_ioas_map's flags. */
    public static final int FLAG_FIXED_IOVA = 1;

    public static final int FLAG_WRITEABLE = 1 << 1;
    public static final int FLAG_READABLE = 1 << 2;

    /** The uapi bit VFIO_DMA_UNMAP_FLAG_ALL of struct vfio_iommu_type1_dma_unmap's flags. */
    public static final int COMPAT_UNMAP_FLAG_ALL = 1 << 1;

    /**
     * Sets the IOVA alignment the attached domains require (the largest of their smallest page sizes; 1
     * with no domain). An existing area that the new alignment would cut refuses it.
     */
    public static MappingStep<IoasSpace, IoasArea, Long> setIovaAlignment(IoasSpace space, long alignment) {
        if (!Addresses.isPowerOfTwo(alignment)) {
            throw new IllegalArgumentException("IOVA alignment " + hex(alignment) + " is not a power of two");
        }
        for (IoasArea area : space.areas()) {
            if (!isAligned(area.iova() | area.length(), alignment)) {
                // io_pagetable.c iopt_check_iova_alignment: a misaligned existing area -> EADDRINUSE
                return MappingStep.fail(
                        space, Errno.EADDRINUSE, "the area " + area + " is not aligned to " + hex(alignment));
            }
        }
        return MappingStep.ok(space.withIovaAlignment(alignment), alignment);
    }

    /** Adds {@code owner}'s reserved ranges (a device's reserved regions, a domain's aperture edges). */
    public static MappingStep<IoasSpace, IoasArea, Integer> addReserved(
            IoasSpace space, String owner, Collection<IovaRange> ranges) {
        for (IovaRange range : ranges) {
            List<IoasArea> areas = space.areasIntersecting(range);
            if (!areas.isEmpty()) {
                // iopt_reserve_iova: a reserved range intersecting an existing area -> EADDRINUSE
                return MappingStep.fail(
                        space,
                        Errno.EADDRINUSE,
                        "reserved range " + range + " of " + owner + " intersects the mapped area " + areas.getFirst());
            }
            Optional<IovaRange> allowedHit =
                    space.allowed().stream().filter(range::intersects).findFirst();
            if (allowedHit.isPresent()) {
                // iopt_reserve_iova: a reserved range intersecting an allowed range -> EADDRINUSE
                return MappingStep.fail(
                        space,
                        Errno.EADDRINUSE,
                        "reserved range " + range + " of " + owner + " intersects the allowed range "
                                + allowedHit.get());
            }
        }
        return MappingStep.ok(space.withReserved(owner, ranges), ranges.size());
    }

    /** Drops every reserved range {@code owner} added (its device detached); the value is how many. */
    public static MappingStep<IoasSpace, IoasArea, Integer> removeReserved(IoasSpace space, String owner) {
        return MappingStep.ok(
                space.withoutReserved(owner), space.reservedBy(owner).size());
    }

    /** IOMMU_IOAS_ALLOW_IOVAS: replaces the allowed list; an empty list clears it. */
    public static MappingStep<IoasSpace, IoasArea, Integer> allowIovas(
            IoasSpace space, List<RequestedRange> requested) {
        List<IovaRange> accepted = new ArrayList<>();
        for (RequestedRange candidate : requested) {
            if (!candidate.isProper()) {
                // iommufd_ioas_load_iovas: start >= last -> EINVAL
                return MappingStep.fail(space, Errno.EINVAL, "allowed range " + candidate + " has start >= last");
            }
            IovaRange range = candidate.toRange();
            Optional<IovaRange> overlap =
                    accepted.stream().filter(range::intersects).findFirst();
            if (overlap.isPresent()) {
                // iommufd_ioas_load_iovas: two input ranges overlapping -> EINVAL
                return MappingStep.fail(space, Errno.EINVAL, "allowed range " + range + " overlaps " + overlap.get());
            }
            accepted.add(range);
        }
        List<IovaRange> reserved = reserved(space);
        for (IovaRange range : accepted) {
            Optional<IovaRange> hit =
                    reserved.stream().filter(range::intersects).findFirst();
            if (hit.isPresent()) {
                // iopt_set_allow_iova: an allowed range intersecting a reserved range -> EADDRINUSE, old list kept
                return MappingStep.fail(
                        space,
                        Errno.EADDRINUSE,
                        "allowed range " + range + " intersects the reserved range " + hit.get());
            }
        }
        return MappingStep.ok(space.withAllowed(accepted), accepted.size());
    }

    /**
     * IOMMU_IOAS_MAP. {@code iova} present means FIXED_IOVA; absent lets the IOAS choose. The value is
     * the IOVA of the new area, the added element the area.
     */
    public static MappingStep<IoasSpace, IoasArea, Long> map(
            IoasSpace space, OptionalLong iova, long length, boolean readable, boolean writeable) {
        if (iova.orElse(0) == ULONG_MAX || length == ULONG_MAX) {
            // iommufd_ioas_map: iova or length >= ULONG_MAX -> EOVERFLOW
            return MappingStep.fail(
                    space,
                    Errno.EOVERFLOW,
                    "iova " + hex(iova.orElse(0)) + " or length " + hex(length) + " is ULONG_MAX");
        }
        if (!readable && !writeable) {
            // iommufd_ioas_map: neither READABLE nor WRITEABLE -> EINVAL
            return MappingStep.fail(space, Errno.EINVAL, "a mapping must be READABLE or WRITEABLE");
        }
        long alignment = space.iovaAlignment();
        if (length == 0 || !isAligned(length, alignment)) {
            // iopt_alloc_area_pages: length 0 or not aligned to iova_alignment -> EINVAL
            return MappingStep.fail(
                    space,
                    Errno.EINVAL,
                    "length " + hex(length) + " is 0 or not a multiple of the IOVA alignment " + hex(alignment));
        }
        Outcome<Long> placed = iova.isPresent()
                ? checkFixed(space, iova.getAsLong(), length)
                : IoasIovaAllocator.choose(space, length);
        if (!(placed instanceof Outcome.Ok<Long> ok)) {
            return MappingStep.refused(space, placed);
        }
        long chosen = ok.value();
        List<IoasArea> added = List.of(new IoasArea(chosen, length, new Prot(readable, writeable)));
        return MappingStep.changed(space.withAreas(added), chosen, List.of(), added);
    }

    /**
     * IOMMU_IOAS_MAP in its uapi form: raw flag bits and an iova field that is read (and range-checked)
     * even when FIXED_IOVA is absent.
     */
    public static MappingStep<IoasSpace, IoasArea, Long> mapRaw(IoasSpace space, int flags, long iova, long length) {
        Outcome<Long> arguments = checkMapArguments(flags, iova, length);
        if (!arguments.isOk()) {
            return MappingStep.refused(space, arguments);
        }
        OptionalLong fixed = (flags & FLAG_FIXED_IOVA) != 0 ? OptionalLong.of(iova) : OptionalLong.empty();
        return map(space, fixed, length, (flags & FLAG_READABLE) != 0, (flags & FLAG_WRITEABLE) != 0);
    }

    /**
     * What iommufd_ioas_map checks of its arguments before it looks the IOAS up: the flag word, the
     * iova field (FIXED_IOVA or not) and the length. Ok with the flag word when they pass.
     */
    public static Outcome<Long> checkMapArguments(int flags, long iova, long length) {
        int unknown = flags & ~(FLAG_FIXED_IOVA | FLAG_WRITEABLE | FLAG_READABLE);
        if (unknown != 0) {
            // iommufd_ioas_map: unknown flags -> EOPNOTSUPP
            return Outcome.fail(Errno.EOPNOTSUPP, "unknown IOAS_MAP flags " + hex(Integer.toUnsignedLong(unknown)));
        }
        if (iova == ULONG_MAX || length == ULONG_MAX) {
            // iommufd_ioas_map: iova or length >= ULONG_MAX -> EOVERFLOW, whether or not the iova is FIXED
            return Outcome.fail(Errno.EOVERFLOW, "iova " + hex(iova) + " or length " + hex(length) + " is ULONG_MAX");
        }
        if ((flags & (FLAG_READABLE | FLAG_WRITEABLE)) == 0) {
            // iommufd_ioas_map: neither READABLE nor WRITEABLE -> EINVAL
            return Outcome.fail(Errno.EINVAL, "a mapping must be READABLE or WRITEABLE");
        }
        return Outcome.ok((long) flags);
    }

    /**
     * IOMMU_IOAS_UNMAP on the native ioctl. (iova 0, length U64_MAX) unmaps everything and succeeds even
     * when empty; otherwise a range that holds no area answers ENOENT. A range that cuts an area answers
     * ENOENT after removing the wholly covered areas below it (see {@link MappingStep}).
     */
    public static MappingStep<IoasSpace, IoasArea, Long> unmap(IoasSpace space, long iova, long length) {
        if (iova == 0 && length == ULONG_MAX) {
            // ioas.c iommufd_ioas_unmap: (0, U64_MAX) is iopt_unmap_all, which succeeds even when empty
            return unmapIovaRange(space, IovaRange.EVERYTHING);
        }
        if (iova == ULONG_MAX || length == ULONG_MAX) {
            // ioas.c iommufd_ioas_unmap: iova or length >= ULONG_MAX -> EOVERFLOW
            return MappingStep.fail(
                    space, Errno.EOVERFLOW, "iova " + hex(iova) + " or length " + hex(length) + " is ULONG_MAX");
        }
        MappingStep<IoasSpace, IoasArea, Long> step = unmapIova(space, iova, length);
        if (step.outcome() instanceof Outcome.Ok<Long> ok && ok.value() == 0) {
            // ioas.c iommufd_ioas_unmap: nothing unmapped -> ENOENT on the native ioctl
            return MappingStep.fail(
                    space, Errno.ENOENT, "no area in the range starting at " + hex(iova) + " of length " + hex(length));
        }
        return step;
    }

    /** VFIO_IOMMU_UNMAP_DMA through iommufd's VFIO compat with no flags; see {@link #unmapCompat(IoasSpace, int, long, long)}. */
    public static MappingStep<IoasSpace, IoasArea, Long> unmapCompat(IoasSpace space, long iova, long size) {
        return unmapCompat(space, 0, iova, size);
    }

    /**
     * VFIO_IOMMU_UNMAP_DMA through iommufd's VFIO compat. Only {@link #COMPAT_UNMAP_FLAG_ALL} is
     * accepted; with it iova and size must both be 0 and everything is unmapped. Without it the range
     * goes straight to the IOAS: size 0 -> EINVAL, a wrapping range -> EOVERFLOW, a cut area -> ENOENT
     * (after removing the covered areas below it), and an empty range succeeds with 0. There is no
     * ULONG_MAX check and no (0, U64_MAX) shortcut on this path.
     */
    public static MappingStep<IoasSpace, IoasArea, Long> unmapCompat(IoasSpace space, int flags, long iova, long size) {
        int unknown = flags & ~COMPAT_UNMAP_FLAG_ALL;
        if (unknown != 0) {
            // vfio_compat.c iommufd_vfio_unmap_dma: flags other than UNMAP_FLAG_ALL -> EINVAL
            return MappingStep.fail(
                    space, Errno.EINVAL, "unsupported VFIO unmap flags " + hex(Integer.toUnsignedLong(unknown)));
        }
        if ((flags & COMPAT_UNMAP_FLAG_ALL) != 0) {
            if (iova != 0 || size != 0) {
                // vfio_compat.c iommufd_vfio_unmap_dma: UNMAP_FLAG_ALL with a non-zero iova or size -> EINVAL
                return MappingStep.fail(
                        space,
                        Errno.EINVAL,
                        "UNMAP_FLAG_ALL needs iova 0 and size 0, not " + hex(iova) + " and " + hex(size));
            }
            // vfio_compat.c iommufd_vfio_unmap_dma: iopt_unmap_all, which succeeds even when empty
            return unmapIovaRange(space, IovaRange.EVERYTHING);
        }
        // vfio_compat.c iommufd_vfio_unmap_dma: straight to iopt_unmap_iova; an empty range is 0 (afb47765f923)
        return unmapIova(space, iova, size);
    }

    /** Every reserved range of every owner, merged and ascending. */
    public static List<IovaRange> reserved(IoasSpace space) {
        return RangeUnion.merge(space.allReserved());
    }

    /** The usable IOVA ranges: the holes of the reserved ranges (the allowed list plays no part). */
    public static List<IovaRange> iovaRanges(IoasSpace space) {
        // ioas.c iommufd_ioas_iova_ranges: the holes of the reserved tree only, not cut to the allowed list
        return RangeUnion.holes(space.allReserved(), IovaRange.EVERYTHING);
    }

    /** IOMMU_IOAS_IOVA_RANGES with room for {@code capacity} entries. */
    public static Outcome<IovaRangesAnswer> queryIovaRanges(IoasSpace space, long capacity) {
        List<IovaRange> ranges = iovaRanges(space);
        if (Long.compareUnsigned(capacity, ranges.size()) < 0) {
            // iommufd_ioas_iova_ranges: num_iovas too small -> EMSGSIZE, num_iovas set to the needed count
            return Outcome.fail(
                    Errno.EMSGSIZE, "num_iovas " + capacity + " is too small: " + ranges.size() + " ranges needed");
        }
        return Outcome.ok(new IovaRangesAnswer(ranges, space.iovaAlignment()));
    }

    static Outcome<Long> checkFixed(IoasSpace space, long iova, long length) {
        long alignment = space.iovaAlignment();
        if (!isAligned(iova, alignment)) {
            // iopt_check_iova (FIXED_IOVA): iova misaligned -> EINVAL
            return Outcome.fail(
                    Errno.EINVAL, "iova " + hex(iova) + " is not a multiple of the IOVA alignment " + hex(alignment));
        }
        OptionalLong last = Addresses.lastOf(iova, length);
        if (last.isEmpty()) {
            // iopt_check_iova (FIXED_IOVA): iova + length - 1 overflows -> EOVERFLOW
            return Outcome.fail(
                    Errno.EOVERFLOW, "iova " + hex(iova) + " plus length " + hex(length) + " wraps past 2^64");
        }
        IovaRange wanted = new IovaRange(iova, last.getAsLong());
        Optional<IovaRange> reservedHit =
                space.allReserved().stream().filter(wanted::intersects).findFirst();
        if (reservedHit.isPresent()) {
            // iopt_check_iova (FIXED_IOVA): hits a reserved range -> EINVAL
            return Outcome.fail(Errno.EINVAL, "iova range " + wanted + " hits the reserved range " + reservedHit.get());
        }
        List<IoasArea> clash = space.areasIntersecting(wanted);
        if (!clash.isEmpty()) {
            // iopt_check_iova (FIXED_IOVA): overlaps an existing area -> EEXIST
            return Outcome.fail(Errno.EEXIST, "iova range " + wanted + " overlaps the area " + clash.getFirst());
        }
        // io_pagetable.c iopt_check_iova: no allowed-list check; the allowed list restricts automatic placement only
        return Outcome.ok(iova);
    }

    /** io_pagetable.c iopt_unmap_iova: the length and overflow checks, then the range walk. */
    private static MappingStep<IoasSpace, IoasArea, Long> unmapIova(IoasSpace space, long iova, long length) {
        if (length == 0) {
            // io_pagetable.c iopt_unmap_iova: length 0 -> EINVAL
            return MappingStep.fail(space, Errno.EINVAL, "length 0 unmaps nothing");
        }
        OptionalLong last = Addresses.lastOf(iova, length);
        if (last.isEmpty()) {
            // io_pagetable.c iopt_unmap_iova: iova + length - 1 overflows -> EOVERFLOW
            return MappingStep.fail(
                    space, Errno.EOVERFLOW, "iova " + hex(iova) + " plus length " + hex(length) + " wraps past 2^64");
        }
        return unmapIovaRange(space, new IovaRange(iova, last.getAsLong()));
    }

    /**
     * Removes the areas meeting {@code request}, lowest IOVA first. The first area that the range would
     * cut stops the walk with ENOENT; the areas removed before it stay removed. The value is the number
     * of bytes removed, 0 when the range held no area.
     */
    private static MappingStep<IoasSpace, IoasArea, Long> unmapIovaRange(IoasSpace space, IovaRange request) {
        List<IoasArea> removed = new ArrayList<>();
        long bytes = 0;
        for (IoasArea area : space.areasIntersecting(request)) {
            if (!request.contains(area.range())) {
                // io_pagetable.c iopt_unmap_iova_range: an area reaching outside the range -> ENOENT, earlier removals
                // stand
                String reason = "range " + request + " cuts the area " + area
                        + (bytes == 0 ? "" : " (" + hex(bytes) + " bytes below it were already unmapped)");
                return removed.isEmpty()
                        ? MappingStep.fail(space, Errno.ENOENT, reason)
                        : MappingStep.failAfterPartialUnmap(space.withoutAreas(removed), Errno.ENOENT, reason, removed);
            }
            removed.add(area);
            bytes += area.length();
        }
        if (removed.isEmpty()) {
            return MappingStep.ok(space, 0L);
        }
        return MappingStep.changed(space.withoutAreas(removed), bytes, removed, List.of());
    }
}
