package dev.custody.model.mapping;

import static dev.custody.model.mapping.Addresses.hex;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An iommufd IOAS (struct io_pagetable): its areas by IOVA, the reserved ranges each owner (a device, a domain's
 * aperture) put there, the userspace-allowed ranges and the IOVA alignment the attached domains need.
 * Immutable; every {@code with...} puts or takes what the rules decided (the IOAS_MAP, UNMAP and
 * ALLOW_IOVAS decisions and IOVA allocation are in {@code rules.mapping}).
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

    private IoasSpace(
            NavigableMap<Long, IoasArea> areasByIova,
            SortedMap<String, List<IovaRange>> reservedByOwner,
            List<IovaRange> allowed,
            long iovaAlignment) {
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

    /** The allowed ranges, ascending. */
    public List<IovaRange> allowed() {
        return allowed;
    }

    public long iovaAlignment() {
        return iovaAlignment;
    }

    /** Each owner's reserved ranges, in the order the owner added them. */
    public SortedMap<String, List<IovaRange>> reservedByOwner() {
        return Collections.unmodifiableSortedMap(reservedByOwner);
    }

    public List<IovaRange> reservedBy(String owner) {
        return reservedByOwner.getOrDefault(owner, List.of());
    }

    /** Every reserved range of every owner, owner by owner (not merged). */
    public List<IovaRange> allReserved() {
        return reservedByOwner.values().stream().flatMap(List::stream).toList();
    }

    /** The ranges the areas cover, ascending. */
    public List<IovaRange> areaRanges() {
        return areasByIova.values().stream().map(IoasArea::range).toList();
    }

    /** The area whose range holds {@code address}, if any. */
    public Optional<IoasArea> areaCovering(long address) {
        Map.Entry<Long, IoasArea> floor = areasByIova.floorEntry(address);
        if (floor != null && floor.getValue().range().contains(address)) {
            return Optional.of(floor.getValue());
        }
        return Optional.empty();
    }

    /** Every area that shares a byte with {@code range}, ascending by IOVA. */
    public List<IoasArea> areasIntersecting(IovaRange range) {
        List<IoasArea> touched = new ArrayList<>();
        areaCovering(range.start()).ifPresent(touched::add);
        touched.addAll(
                areasByIova.subMap(range.start(), false, range.last(), true).values());
        return touched;
    }

    /** The user address backing {@code iova} ({@link #USER_ADDRESS_BASE} + iova), if an area maps it. */
    public OptionalLong translate(long iova) {
        return areaCovering(iova).isPresent() ? OptionalLong.of(USER_ADDRESS_BASE + iova) : OptionalLong.empty();
    }

    /** The same IOAS with these areas put in (by their IOVA). */
    public IoasSpace withAreas(Collection<IoasArea> areas) {
        if (areas.isEmpty()) {
            return this;
        }
        NavigableMap<Long, IoasArea> next = copyOfAreas();
        areas.forEach(area -> next.put(area.iova(), area));
        return new IoasSpace(next, reservedByOwner, allowed, iovaAlignment);
    }

    /** The same IOAS without the areas at these areas' IOVAs. */
    public IoasSpace withoutAreas(Collection<IoasArea> areas) {
        if (areas.isEmpty()) {
            return this;
        }
        NavigableMap<Long, IoasArea> next = copyOfAreas();
        areas.forEach(area -> next.remove(area.iova()));
        return new IoasSpace(next, reservedByOwner, allowed, iovaAlignment);
    }

    /** {@code owner}'s reserved ranges with {@code ranges} added after them. */
    public IoasSpace withReserved(String owner, Collection<IovaRange> ranges) {
        TreeMap<String, List<IovaRange>> next = new TreeMap<>(reservedByOwner);
        List<IovaRange> mine = new ArrayList<>(reservedBy(owner));
        mine.addAll(ranges);
        next.put(owner, List.copyOf(mine));
        return new IoasSpace(areasByIova, next, allowed, iovaAlignment);
    }

    /**
     * Every owner's reserved ranges replaced by {@code reserved} at once: a journal's snapshot rebuilds
     * an IOAS with many owners in one step, not one copy of the whole map per owner.
     */
    public IoasSpace withAllReserved(Map<String, List<IovaRange>> reserved) {
        TreeMap<String, List<IovaRange>> next = new TreeMap<>();
        reserved.forEach((owner, ranges) -> next.put(owner, List.copyOf(ranges)));
        return new IoasSpace(areasByIova, next, allowed, iovaAlignment);
    }

    /** Without any range {@code owner} reserved. */
    public IoasSpace withoutReserved(String owner) {
        if (!reservedByOwner.containsKey(owner)) {
            return this;
        }
        TreeMap<String, List<IovaRange>> next = new TreeMap<>(reservedByOwner);
        next.remove(owner);
        return new IoasSpace(areasByIova, next, allowed, iovaAlignment);
    }

    /** The allowed list replaced by {@code ranges} (kept ascending); an empty list clears it. */
    public IoasSpace withAllowed(Collection<IovaRange> ranges) {
        return new IoasSpace(
                areasByIova, reservedByOwner, ranges.stream().sorted().toList(), iovaAlignment);
    }

    /** The IOVA alignment the attached domains require, a power of two (1 with no domain). */
    public IoasSpace withIovaAlignment(long alignment) {
        if (!Addresses.isPowerOfTwo(alignment)) {
            throw new IllegalArgumentException("IOVA alignment " + hex(alignment) + " is not a power of two");
        }
        return new IoasSpace(areasByIova, reservedByOwner, allowed, alignment);
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
        return "IoasSpace(areas " + areas() + ", reserved " + reservedByOwner + ", allowed " + allowed + ", alignment "
                + hex(iovaAlignment) + ")";
    }
}
