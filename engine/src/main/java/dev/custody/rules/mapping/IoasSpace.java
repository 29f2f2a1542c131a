package dev.custody.rules.mapping;

import static dev.custody.rules.mapping.Addresses.ULONG_MAX;
import static dev.custody.rules.mapping.Addresses.hex;
import static dev.custody.rules.mapping.Addresses.isAligned;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An iommufd IOAS (spec 5): its areas, the reserved ranges each owner (a device, a domain's aperture)
 * put there, the userspace-allowed ranges and the IOVA alignment the attached domains need. Pinning
 * and domains themselves are not modelled. Immutable; every operation returns a new value.
 */
public final class IoasSpace {

    /**
     * The synthetic user address an area's IOVA is backed by: iova + this base (mod 2^64). The model
     * takes no user pointer, so {@link #translate} answers with this fixed, documented offset.
     */
    public static final long USER_ADDRESS_BASE = 0x7f00_0000_0000L;

    private final NavigableMap<Long, IoasArea> areasByIova;
    private final SortedMap<String, List<IovaRange>> reservedByOwner;
    private final List<IovaRange> allowed;
    private final long iovaAlignment;

    private IoasSpace(NavigableMap<Long, IoasArea> areasByIova, SortedMap<String, List<IovaRange>> reservedByOwner,
            List<IovaRange> allowed, long iovaAlignment) {
        this.areasByIova = areasByIova;
        this.reservedByOwner = reservedByOwner;
        this.allowed = allowed;
        this.iovaAlignment = iovaAlignment;
    }

    /** A fresh IOAS: no areas, nothing reserved, no allowed list, alignment 1 (no domain attached). */
    public static IoasSpace empty() {
        return new IoasSpace(new TreeMap<>(Long::compareUnsigned), new TreeMap<>(), List.of(), 1);
    }

    public List<IoasArea> areas() {
        return List.copyOf(areasByIova.values());
    }

    public List<IovaRange> allowed() {
        return allowed;
    }

    public long iovaAlignment() {
        return iovaAlignment;
    }

    /** Every reserved range of every owner, merged and ascending. */
    public List<IovaRange> reserved() {
        return RangeUnion.merge(allReserved());
    }

    public List<IovaRange> reservedBy(String owner) {
        return reservedByOwner.getOrDefault(owner, List.of());
    }

    /**
     * Sets the IOVA alignment the attached domains require (the largest of their smallest page sizes; 1
     * with no domain). An existing area that the new alignment would cut refuses it.
     */
    public MappingStep<IoasSpace, Long> setIovaAlignment(long alignment) {
        if (!Addresses.isPowerOfTwo(alignment)) {
            throw new IllegalArgumentException("IOVA alignment " + hex(alignment) + " is not a power of two");
        }
        for (IoasArea area : areasByIova.values()) {
            if (!isAligned(area.iova() | area.length(), alignment)) {
                // io_pagetable.c iopt_check_iova_alignment: a misaligned existing area -> EADDRINUSE
                return MappingStep.fail(this, Errno.EADDRINUSE, "the area " + area + " is not aligned to " + hex(alignment));
            }
        }
        return MappingStep.ok(new IoasSpace(areasByIova, reservedByOwner, allowed, alignment), alignment);
    }

    /** Adds {@code owner}'s reserved ranges (a device's reserved regions, a domain's aperture edges). */
    public MappingStep<IoasSpace, Integer> addReserved(String owner, Collection<IovaRange> ranges) {
        for (IovaRange range : ranges) {
            Optional<IoasArea> area = firstAreaIntersecting(range);
            if (area.isPresent()) {
                // spec 5: a reserved range intersecting an existing area -> EADDRINUSE
                return MappingStep.fail(this, Errno.EADDRINUSE, "reserved range " + range + " of " + owner
                        + " intersects the mapped area " + area.get());
            }
            Optional<IovaRange> allowedHit = allowed.stream().filter(range::intersects).findFirst();
            if (allowedHit.isPresent()) {
                // spec 5: a reserved range intersecting an allowed range -> EADDRINUSE
                return MappingStep.fail(this, Errno.EADDRINUSE, "reserved range " + range + " of " + owner
                        + " intersects the allowed range " + allowedHit.get());
            }
        }
        TreeMap<String, List<IovaRange>> next = new TreeMap<>(reservedByOwner);
        List<IovaRange> mine = new ArrayList<>(reservedBy(owner));
        mine.addAll(ranges);
        next.put(owner, List.copyOf(mine));
        return MappingStep.ok(new IoasSpace(areasByIova, next, allowed, iovaAlignment), ranges.size());
    }

    /** Drops every reserved range {@code owner} added (its device detached); the value is how many. */
    public MappingStep<IoasSpace, Integer> removeReserved(String owner) {
        if (!reservedByOwner.containsKey(owner)) {
            return MappingStep.ok(this, 0);
        }
        TreeMap<String, List<IovaRange>> next = new TreeMap<>(reservedByOwner);
        List<IovaRange> removed = next.remove(owner);
        return MappingStep.ok(new IoasSpace(areasByIova, next, allowed, iovaAlignment), removed.size());
    }

    /** IOMMU_IOAS_ALLOW_IOVAS: replaces the allowed list; an empty list clears it. */
    public MappingStep<IoasSpace, Integer> allowIovas(List<RequestedRange> requested) {
        List<IovaRange> accepted = new ArrayList<>();
        for (RequestedRange candidate : requested) {
            if (!candidate.isProper()) {
                // spec 5: start >= last -> EINVAL
                return MappingStep.fail(this, Errno.EINVAL, "allowed range " + candidate + " has start >= last");
            }
            IovaRange range = candidate.toRange();
            Optional<IovaRange> overlap = accepted.stream().filter(range::intersects).findFirst();
            if (overlap.isPresent()) {
                // spec 5: two input ranges overlapping -> EINVAL
                return MappingStep.fail(this, Errno.EINVAL, "allowed range " + range + " overlaps " + overlap.get());
            }
            accepted.add(range);
        }
        for (IovaRange range : accepted) {
            Optional<IovaRange> hit = reserved().stream().filter(range::intersects).findFirst();
            if (hit.isPresent()) {
                // spec 5: an allowed range intersecting a reserved range -> EADDRINUSE, old list kept
                return MappingStep.fail(this, Errno.EADDRINUSE, "allowed range " + range
                        + " intersects the reserved range " + hit.get());
            }
        }
        List<IovaRange> sorted = accepted.stream().sorted().toList();
        return MappingStep.ok(new IoasSpace(areasByIova, reservedByOwner, sorted, iovaAlignment), sorted.size());
    }

    /**
     * IOMMU_IOAS_MAP. {@code iova} present means FIXED_IOVA; absent lets the IOAS choose. The value is
     * the IOVA of the new area.
     */
    public MappingStep<IoasSpace, Long> map(OptionalLong iova, long length, boolean readable, boolean writeable) {
        if (iova.orElse(0) == ULONG_MAX || length == ULONG_MAX) {
            // spec 5: iova or length >= ULONG_MAX -> EOVERFLOW
            return MappingStep.fail(this, Errno.EOVERFLOW, "iova " + hex(iova.orElse(0)) + " or length " + hex(length)
                    + " is ULONG_MAX");
        }
        if (!readable && !writeable) {
            // spec 5: neither READABLE nor WRITEABLE -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "a mapping must be READABLE or WRITEABLE");
        }
        if (length == 0 || !isAligned(length, iovaAlignment)) {
            // spec 5: length 0 or not aligned to iova_alignment -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "length " + hex(length) + " is 0 or not a multiple of the IOVA alignment "
                    + hex(iovaAlignment));
        }
        Prot prot = new Prot(readable, writeable);
        Outcome<Long> placed = iova.isPresent() ? checkFixed(iova.getAsLong(), length) : IoasIovaAllocator.choose(this, length);
        if (!(placed instanceof Outcome.Ok<Long> ok)) {
            return new MappingStep<>(this, placed);
        }
        long chosen = ok.value();
        NavigableMap<Long, IoasArea> next = copyOfAreas();
        next.put(chosen, new IoasArea(chosen, length, prot));
        return MappingStep.ok(new IoasSpace(next, reservedByOwner, allowed, iovaAlignment), chosen);
    }

    /** The uapi bits of struct iommu_ioas_map's flags. */
    public static final int FLAG_FIXED_IOVA = 1;
    public static final int FLAG_WRITEABLE = 1 << 1;
    public static final int FLAG_READABLE = 1 << 2;

    /**
     * IOMMU_IOAS_MAP in its uapi form: raw flag bits and an iova field that is read (and range-checked)
     * even when FIXED_IOVA is absent.
     */
    public MappingStep<IoasSpace, Long> mapRaw(int flags, long iova, long length) {
        int unknown = flags & ~(FLAG_FIXED_IOVA | FLAG_WRITEABLE | FLAG_READABLE);
        if (unknown != 0) {
            // spec 5: unknown flags -> EOPNOTSUPP
            return MappingStep.fail(this, Errno.EOPNOTSUPP, "unknown IOAS_MAP flags " + hex(Integer.toUnsignedLong(unknown)));
        }
        if (iova == ULONG_MAX) {
            // spec 5: iova >= ULONG_MAX -> EOVERFLOW, whether or not it is FIXED
            return MappingStep.fail(this, Errno.EOVERFLOW, "iova " + hex(iova) + " is ULONG_MAX");
        }
        OptionalLong fixed = (flags & FLAG_FIXED_IOVA) != 0 ? OptionalLong.of(iova) : OptionalLong.empty();
        return map(fixed, length, (flags & FLAG_READABLE) != 0, (flags & FLAG_WRITEABLE) != 0);
    }

    /** The uapi bit VFIO_DMA_UNMAP_FLAG_ALL of struct vfio_iommu_type1_dma_unmap's flags. */
    public static final int COMPAT_UNMAP_FLAG_ALL = 1 << 1;

    /**
     * IOMMU_IOAS_UNMAP on the native ioctl. (iova 0, length U64_MAX) unmaps everything and succeeds even
     * when empty; otherwise a range that holds no area answers ENOENT. A range that cuts an area answers
     * ENOENT after removing the wholly covered areas below it (see {@link MappingStep}).
     */
    public MappingStep<IoasSpace, Long> unmap(long iova, long length) {
        if (iova == 0 && length == ULONG_MAX) {
            // ioas.c iommufd_ioas_unmap: (0, U64_MAX) is iopt_unmap_all, which succeeds even when empty
            return unmapIovaRange(IovaRange.EVERYTHING);
        }
        if (iova == ULONG_MAX || length == ULONG_MAX) {
            // ioas.c iommufd_ioas_unmap: iova or length >= ULONG_MAX -> EOVERFLOW
            return MappingStep.fail(this, Errno.EOVERFLOW, "iova " + hex(iova) + " or length " + hex(length) + " is ULONG_MAX");
        }
        MappingStep<IoasSpace, Long> step = unmapIova(iova, length);
        if (step.outcome() instanceof Outcome.Ok<Long> ok && ok.value() == 0) {
            // ioas.c iommufd_ioas_unmap: nothing unmapped -> ENOENT on the native ioctl
            return MappingStep.fail(this, Errno.ENOENT, "no area in the range starting at " + hex(iova) + " of length " + hex(length));
        }
        return step;
    }

    /** VFIO_IOMMU_UNMAP_DMA through iommufd's VFIO compat with no flags; see {@link #unmapCompat(int, long, long)}. */
    public MappingStep<IoasSpace, Long> unmapCompat(long iova, long size) {
        return unmapCompat(0, iova, size);
    }

    /**
     * VFIO_IOMMU_UNMAP_DMA through iommufd's VFIO compat. Only {@link #COMPAT_UNMAP_FLAG_ALL} is
     * accepted; with it iova and size must both be 0 and everything is unmapped. Without it the range
     * goes straight to the IOAS: size 0 -> EINVAL, a wrapping range -> EOVERFLOW, a cut area -> ENOENT
     * (after removing the covered areas below it), and an empty range succeeds with 0. There is no
     * ULONG_MAX check and no (0, U64_MAX) shortcut on this path.
     */
    public MappingStep<IoasSpace, Long> unmapCompat(int flags, long iova, long size) {
        int unknown = flags & ~COMPAT_UNMAP_FLAG_ALL;
        if (unknown != 0) {
            // vfio_compat.c iommufd_vfio_unmap_dma: flags other than UNMAP_FLAG_ALL -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "unsupported VFIO unmap flags " + hex(Integer.toUnsignedLong(unknown)));
        }
        if ((flags & COMPAT_UNMAP_FLAG_ALL) != 0) {
            if (iova != 0 || size != 0) {
                // vfio_compat.c iommufd_vfio_unmap_dma: UNMAP_FLAG_ALL with a non-zero iova or size -> EINVAL
                return MappingStep.fail(this, Errno.EINVAL, "UNMAP_FLAG_ALL needs iova 0 and size 0, not " + hex(iova) + " and " + hex(size));
            }
            // vfio_compat.c iommufd_vfio_unmap_dma: iopt_unmap_all, which succeeds even when empty
            return unmapIovaRange(IovaRange.EVERYTHING);
        }
        // vfio_compat.c iommufd_vfio_unmap_dma: straight to iopt_unmap_iova; an empty range is 0 (afb47765f923)
        return unmapIova(iova, size);
    }

    /** The usable IOVA ranges: the holes of the reserved ranges (the allowed list plays no part). */
    public List<IovaRange> iovaRanges() {
        // ioas.c iommufd_ioas_iova_ranges: the holes of the reserved tree only, not cut to the allowed list
        return RangeUnion.holes(allReserved(), IovaRange.EVERYTHING);
    }

    /** IOMMU_IOAS_IOVA_RANGES with room for {@code capacity} entries. */
    public Outcome<IovaRangesAnswer> queryIovaRanges(long capacity) {
        List<IovaRange> ranges = iovaRanges();
        if (Long.compareUnsigned(capacity, ranges.size()) < 0) {
            // spec 5: num_iovas too small -> EMSGSIZE, num_iovas set to the needed count
            return Outcome.fail(Errno.EMSGSIZE, "num_iovas " + capacity + " is too small: " + ranges.size() + " ranges needed");
        }
        return Outcome.ok(new IovaRangesAnswer(ranges, iovaAlignment));
    }

    /** The user address backing {@code iova} ({@link #USER_ADDRESS_BASE} + iova), if an area maps it. */
    public OptionalLong translate(long iova) {
        return areaCovering(iova).isPresent() ? OptionalLong.of(USER_ADDRESS_BASE + iova) : OptionalLong.empty();
    }

    List<IovaRange> allReserved() {
        return reservedByOwner.values().stream().flatMap(List::stream).toList();
    }

    List<IovaRange> areaRanges() {
        return areasByIova.values().stream().map(IoasArea::range).toList();
    }

    private Outcome<Long> checkFixed(long iova, long length) {
        if (!isAligned(iova, iovaAlignment)) {
            // spec 5 (FIXED_IOVA): iova misaligned -> EINVAL
            return Outcome.fail(Errno.EINVAL, "iova " + hex(iova) + " is not a multiple of the IOVA alignment " + hex(iovaAlignment));
        }
        OptionalLong last = Addresses.lastOf(iova, length);
        if (last.isEmpty()) {
            // spec 5 (FIXED_IOVA): iova + length - 1 overflows -> EOVERFLOW
            return Outcome.fail(Errno.EOVERFLOW, "iova " + hex(iova) + " plus length " + hex(length) + " wraps past 2^64");
        }
        IovaRange wanted = new IovaRange(iova, last.getAsLong());
        Optional<IovaRange> reservedHit = allReserved().stream().filter(wanted::intersects).findFirst();
        if (reservedHit.isPresent()) {
            // spec 5 (FIXED_IOVA): hits a reserved range -> EINVAL
            return Outcome.fail(Errno.EINVAL, "iova range " + wanted + " hits the reserved range " + reservedHit.get());
        }
        Optional<IoasArea> clash = firstAreaIntersecting(wanted);
        if (clash.isPresent()) {
            // spec 5 (FIXED_IOVA): overlaps an existing area -> EEXIST
            return Outcome.fail(Errno.EEXIST, "iova range " + wanted + " overlaps the area " + clash.get());
        }
        // io_pagetable.c iopt_check_iova: no allowed-list check; the allowed list restricts automatic placement only
        return Outcome.ok(iova);
    }

    /** io_pagetable.c iopt_unmap_iova: the length and overflow checks, then the range walk. */
    private MappingStep<IoasSpace, Long> unmapIova(long iova, long length) {
        if (length == 0) {
            // io_pagetable.c iopt_unmap_iova: length 0 -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "length 0 unmaps nothing");
        }
        OptionalLong last = Addresses.lastOf(iova, length);
        if (last.isEmpty()) {
            // io_pagetable.c iopt_unmap_iova: iova + length - 1 overflows -> EOVERFLOW
            return MappingStep.fail(this, Errno.EOVERFLOW, "iova " + hex(iova) + " plus length " + hex(length) + " wraps past 2^64");
        }
        return unmapIovaRange(new IovaRange(iova, last.getAsLong()));
    }

    /**
     * Removes the areas meeting {@code request}, lowest IOVA first. The first area that the range would
     * cut stops the walk with ENOENT; the areas removed before it stay removed. The value is the number
     * of bytes removed, 0 when the range held no area.
     */
    private MappingStep<IoasSpace, Long> unmapIovaRange(IovaRange request) {
        NavigableMap<Long, IoasArea> next = null;
        long removed = 0;
        for (IoasArea area : areasIntersecting(request)) {
            if (!request.contains(area.range())) {
                // io_pagetable.c iopt_unmap_iova_range: an area reaching outside the range -> ENOENT, earlier removals stand
                String reason = "range " + request + " cuts the area " + area
                        + (removed == 0 ? "" : " (" + hex(removed) + " bytes below it were already unmapped)");
                return next == null
                        ? MappingStep.fail(this, Errno.ENOENT, reason)
                        : MappingStep.failAfterPartialUnmap(new IoasSpace(next, reservedByOwner, allowed, iovaAlignment), Errno.ENOENT, reason);
            }
            if (next == null) {
                next = copyOfAreas();
            }
            next.remove(area.iova());
            removed += area.length();
        }
        if (next == null) {
            return MappingStep.ok(this, 0L);
        }
        return MappingStep.ok(new IoasSpace(next, reservedByOwner, allowed, iovaAlignment), removed);
    }

    private Optional<IoasArea> areaCovering(long address) {
        Map.Entry<Long, IoasArea> floor = areasByIova.floorEntry(address);
        if (floor != null && floor.getValue().range().contains(address)) {
            return Optional.of(floor.getValue());
        }
        return Optional.empty();
    }

    private Optional<IoasArea> firstAreaIntersecting(IovaRange range) {
        List<IoasArea> touched = areasIntersecting(range);
        return touched.isEmpty() ? Optional.empty() : Optional.of(touched.getFirst());
    }

    private List<IoasArea> areasIntersecting(IovaRange range) {
        List<IoasArea> touched = new ArrayList<>();
        areaCovering(range.start()).ifPresent(touched::add);
        for (IoasArea area : areasByIova.subMap(range.start(), false, range.last(), true).values()) {
            touched.add(area);
        }
        return touched;
    }

    private NavigableMap<Long, IoasArea> copyOfAreas() {
        TreeMap<Long, IoasArea> copy = new TreeMap<>(Long::compareUnsigned);
        copy.putAll(areasByIova);
        return copy;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IoasSpace that
                && iovaAlignment == that.iovaAlignment
                && allowed.equals(that.allowed)
                && reservedByOwner.equals(that.reservedByOwner)
                && areas().equals(that.areas());
    }

    @Override
    public int hashCode() {
        return areas().hashCode();
    }

    @Override
    public String toString() {
        return "IoasSpace(areas " + areas() + ", reserved " + reservedByOwner + ", allowed " + allowed
                + ", alignment " + hex(iovaAlignment) + ")";
    }
}
