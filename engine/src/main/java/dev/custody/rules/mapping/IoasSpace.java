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

    /** IOMMU_IOAS_UNMAP on the native ioctl: a range that holds no area answers ENOENT. */
    public MappingStep<IoasSpace, Long> unmap(long iova, long length) {
        return unmap(iova, length, false);
    }

    /** VFIO_IOMMU_UNMAP_DMA through iommufd's VFIO compat: since afb47765f923 an empty range succeeds with 0. */
    public MappingStep<IoasSpace, Long> unmapCompat(long iova, long length) {
        return unmap(iova, length, true);
    }

    /** The usable IOVA ranges: holes of the reserved ranges, cut down to the allowed list when there is one. */
    public List<IovaRange> iovaRanges() {
        List<IovaRange> holes = RangeUnion.holes(allReserved(), IovaRange.EVERYTHING);
        // brief choice: intersect with the allowed list when it is non-empty (the kernel reports the holes only)
        return allowed.isEmpty() ? holes : RangeUnion.intersect(holes, allowed);
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
        if (!allowed.isEmpty() && !RangeUnion.covers(allowed, wanted)) {
            // brief choice, checked last: outside a non-empty allowed list -> EINVAL (the kernel's iopt_check_iova does not look)
            return Outcome.fail(Errno.EINVAL, "iova range " + wanted + " is outside the allowed ranges " + allowed);
        }
        return Outcome.ok(iova);
    }

    private MappingStep<IoasSpace, Long> unmap(long iova, long length, boolean emptyIsSuccess) {
        if (iova == 0 && length == ULONG_MAX) {
            // spec 5: (iova 0, length U64_MAX) unmaps everything and succeeds even when empty
            long total = areasByIova.values().stream().mapToLong(IoasArea::length).sum();
            return MappingStep.ok(new IoasSpace(new TreeMap<>(Long::compareUnsigned), reservedByOwner, allowed, iovaAlignment), total);
        }
        if (iova == ULONG_MAX || length == ULONG_MAX) {
            // spec 5: iova or length >= ULONG_MAX -> EOVERFLOW
            return MappingStep.fail(this, Errno.EOVERFLOW, "iova " + hex(iova) + " or length " + hex(length) + " is ULONG_MAX");
        }
        if (length == 0) {
            // spec 5: length 0 -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "length 0 unmaps nothing");
        }
        OptionalLong last = Addresses.lastOf(iova, length);
        if (last.isEmpty()) {
            // io_pagetable.c iopt_unmap_iova: iova + length - 1 overflows -> EOVERFLOW
            return MappingStep.fail(this, Errno.EOVERFLOW, "iova " + hex(iova) + " plus length " + hex(length) + " wraps past 2^64");
        }
        IovaRange request = new IovaRange(iova, last.getAsLong());
        List<IoasArea> touched = areasIntersecting(request);
        Optional<IoasArea> cut = touched.stream().filter(area -> !request.contains(area.range())).findFirst();
        if (cut.isPresent()) {
            // spec 5: the range cuts an area (no split) -> ENOENT; brief choice: nothing is removed
            return MappingStep.fail(this, Errno.ENOENT, "range " + request + " cuts the area " + cut.get());
        }
        if (touched.isEmpty()) {
            if (emptyIsSuccess) {
                // spec 5: VFIO compat unmap of an empty range succeeds with size 0 (afb47765f923)
                return MappingStep.ok(this, 0L);
            }
            // spec 5: nothing found -> ENOENT on the native ioctl
            return MappingStep.fail(this, Errno.ENOENT, "no area in the range " + request);
        }
        NavigableMap<Long, IoasArea> next = copyOfAreas();
        touched.forEach(area -> next.remove(area.iova()));
        long removed = touched.stream().mapToLong(IoasArea::length).sum();
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
