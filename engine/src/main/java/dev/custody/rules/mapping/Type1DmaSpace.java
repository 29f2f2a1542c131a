package dev.custody.rules.mapping;

import static dev.custody.rules.mapping.Addresses.hex;
import static dev.custody.rules.mapping.Addresses.isAligned;

import dev.custody.model.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A VFIO type1 container's list of {@code vfio_dma} entries (spec 4): what MAP_DMA and UNMAP_DMA
 * accept, refuse and remove. Pinning and the IOMMU domains themselves are not modelled. Immutable.
 */
public final class Type1DmaSpace {

    /** The module parameter dma_entry_limit's default. */
    public static final int DEFAULT_ENTRY_LIMIT = 65535;
    public static final long DEFAULT_PAGE_SIZE = 4096;
    /** A 48-bit aperture with no reserved regions. */
    public static final List<IovaRange> DEFAULT_VALID_RANGES = List.of(new IovaRange(0, (1L << 48) - 1));

    private final Type1Version version;
    private final long pageSize;
    private final int entryLimit;
    private final List<IovaRange> validRanges;
    private final NavigableMap<Long, DmaMapping> entriesByIova;

    private Type1DmaSpace(Type1Version version, long pageSize, int entryLimit, List<IovaRange> validRanges,
            NavigableMap<Long, DmaMapping> entriesByIova) {
        this.version = version;
        this.pageSize = pageSize;
        this.entryLimit = entryLimit;
        this.validRanges = validRanges;
        this.entriesByIova = entriesByIova;
    }

    public static Type1DmaSpace empty(Type1Version version) {
        return new Type1DmaSpace(version, DEFAULT_PAGE_SIZE, DEFAULT_ENTRY_LIMIT, DEFAULT_VALID_RANGES,
                new TreeMap<>(Long::compareUnsigned));
    }

    /** The smallest IOMMU page size of the container (pg = 1 << __ffs(pgsize_bitmap)), a power of two. */
    public Type1DmaSpace withPageSize(long newPageSize) {
        if (!Addresses.isPowerOfTwo(newPageSize)) {
            throw new IllegalArgumentException("page size " + hex(newPageSize) + " is not a power of two");
        }
        return new Type1DmaSpace(version, newPageSize, entryLimit, validRanges, entriesByIova);
    }

    public Type1DmaSpace withEntryLimit(int newEntryLimit) {
        if (newEntryLimit < 0) {
            throw new IllegalArgumentException("entry limit " + newEntryLimit + " is negative");
        }
        return new Type1DmaSpace(version, pageSize, newEntryLimit, validRanges, entriesByIova);
    }

    /**
     * The container's valid IOVA ranges (apertures minus reserved regions). An empty list means no
     * restriction, as type1 treats an empty iova list (a container with only an mdev).
     */
    public Type1DmaSpace withValidRanges(List<IovaRange> ranges) {
        return new Type1DmaSpace(version, pageSize, entryLimit, List.copyOf(ranges), entriesByIova);
    }

    public Type1Version version() {
        return version;
    }

    public List<IovaRange> validRanges() {
        return validRanges;
    }

    public long pageSize() {
        return pageSize;
    }

    public List<DmaMapping> entries() {
        return List.copyOf(entriesByIova.values());
    }

    /** VFIO_IOMMU_MAP_DMA; the value is the number of bytes mapped. */
    public MappingStep<Type1DmaSpace, Long> map(long iova, long vaddr, long size, boolean read, boolean write) {
        if (!read && !write) {
            // spec 4: neither READ nor WRITE -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "a DMA mapping must allow READ or WRITE");
        }
        if (size == 0) {
            // spec 4: size 0 -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "size 0 maps nothing");
        }
        if (!isAligned(size | iova | vaddr, pageSize)) {
            // spec 4: size, iova or vaddr not a multiple of pg -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "iova " + hex(iova) + ", vaddr " + hex(vaddr) + " and size "
                    + hex(size) + " must all be multiples of the page size " + hex(pageSize));
        }
        OptionalLong last = Addresses.lastOf(iova, size);
        if (last.isEmpty() || Addresses.lastOf(vaddr, size).isEmpty()) {
            // spec 4: iova or vaddr wraps -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "iova " + hex(iova) + " or vaddr " + hex(vaddr)
                    + " plus size " + hex(size) + " wraps past 2^64");
        }
        IovaRange wanted = new IovaRange(iova, last.getAsLong());
        Optional<DmaMapping> clash = firstEntryIntersecting(wanted);
        if (clash.isPresent()) {
            // spec 4: any overlap with an existing mapping -> EEXIST
            return MappingStep.fail(this, Errno.EEXIST, "iova range " + wanted + " overlaps the mapping " + clash.get());
        }
        if (entriesByIova.size() >= entryLimit) {
            // spec 4: dma_avail exhausted -> ENOSPC
            return MappingStep.fail(this, Errno.ENOSPC, "the container already holds its limit of "
                    + entryLimit + " DMA mappings");
        }
        if (!validRanges.isEmpty() && validRanges.stream().noneMatch(valid -> valid.contains(wanted))) {
            // spec 4: range not inside one valid IOVA range -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "iova range " + wanted + " is not inside one valid IOVA range "
                    + validRanges);
        }
        NavigableMap<Long, DmaMapping> next = copyOfEntries();
        next.put(iova, new DmaMapping(iova, vaddr, size, new Prot(read, write)));
        return MappingStep.ok(with(next), size);
    }

    /** VFIO_IOMMU_UNMAP_DMA; the value is the number of bytes removed (the ioctl's size out). */
    public MappingStep<Type1DmaSpace, Long> unmap(long iova, long size, boolean all) {
        if (!isAligned(iova, pageSize)) {
            // spec 4: iova not a multiple of pg -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "iova " + hex(iova) + " is not a multiple of the page size "
                    + hex(pageSize));
        }
        if (all) {
            if (iova != 0 || size != 0) {
                // spec 4: FLAG_ALL with a non-zero iova or size -> EINVAL
                return MappingStep.fail(this, Errno.EINVAL, "unmap-all takes iova 0 and size 0, not iova "
                        + hex(iova) + " size " + hex(size));
            }
            long total = entriesByIova.values().stream().mapToLong(DmaMapping::size).sum();
            return MappingStep.ok(with(new TreeMap<>(Long::compareUnsigned)), total);
        }
        if (size == 0 || !isAligned(size, pageSize)) {
            // spec 4: size 0 or not a multiple of pg -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "size " + hex(size) + " is 0 or not a multiple of the page size "
                    + hex(pageSize));
        }
        OptionalLong last = Addresses.lastOf(iova, size);
        if (last.isEmpty()) {
            // spec 4: a wrapping range -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "iova " + hex(iova) + " plus size " + hex(size) + " wraps past 2^64");
        }
        IovaRange request = new IovaRange(iova, last.getAsLong());
        return version == Type1Version.V2 ? unmapV2(request) : unmapV1(request);
    }

    /** The user address {@code iova} is backed by, if a mapping covers it. */
    public OptionalLong translate(long iova) {
        Optional<DmaMapping> entry = entryCovering(iova);
        return entry.isPresent() ? OptionalLong.of(entry.get().vaddr() + (iova - entry.get().iova())) : OptionalLong.empty();
    }

    private MappingStep<Type1DmaSpace, Long> unmapV2(IovaRange request) {
        Optional<DmaMapping> atFirst = entryCovering(request.start());
        Optional<DmaMapping> atLast = entryCovering(request.last());
        Optional<DmaMapping> bisected = atFirst.filter(entry -> !request.contains(entry.range()))
                .or(() -> atLast.filter(entry -> !request.contains(entry.range())));
        if (bisected.isPresent()) {
            // spec 4 (v2): the range's first or last page is inside a mapping that extends beyond it -> EINVAL
            return MappingStep.fail(this, Errno.EINVAL, "range " + request + " bisects the mapping " + bisected.get());
        }
        // spec 4 (v2): every mapping fully inside is removed; none there -> success with 0
        return removeEntriesStartingIn(request);
    }

    private MappingStep<Type1DmaSpace, Long> unmapV1(IovaRange request) {
        Optional<DmaMapping> first = firstEntryIntersecting(request);
        if (first.isPresent() && Long.compareUnsigned(first.get().iova(), request.start()) < 0) {
            // spec 4 (v1): a request starting inside a mapping succeeds with size 0 and removes nothing
            return MappingStep.ok(this, 0L);
        }
        // spec 4 (v1): covering a mapping's first byte removes the whole mapping, even past the range
        return removeEntriesStartingIn(request);
    }

    private MappingStep<Type1DmaSpace, Long> removeEntriesStartingIn(IovaRange request) {
        NavigableMap<Long, DmaMapping> doomed = entriesByIova.subMap(request.start(), true, request.last(), true);
        if (doomed.isEmpty()) {
            return MappingStep.ok(this, 0L);
        }
        long removed = doomed.values().stream().mapToLong(DmaMapping::size).sum();
        NavigableMap<Long, DmaMapping> next = copyOfEntries();
        next.keySet().removeAll(new ArrayList<>(doomed.keySet()));
        return MappingStep.ok(with(next), removed);
    }

    private Optional<DmaMapping> entryCovering(long address) {
        Map.Entry<Long, DmaMapping> floor = entriesByIova.floorEntry(address);
        if (floor != null && floor.getValue().range().contains(address)) {
            return Optional.of(floor.getValue());
        }
        return Optional.empty();
    }

    private Optional<DmaMapping> firstEntryIntersecting(IovaRange range) {
        Optional<DmaMapping> covering = entryCovering(range.start());
        if (covering.isPresent()) {
            return covering;
        }
        Map.Entry<Long, DmaMapping> after = entriesByIova.ceilingEntry(range.start());
        return after != null && range.contains(after.getKey()) ? Optional.of(after.getValue()) : Optional.empty();
    }

    private NavigableMap<Long, DmaMapping> copyOfEntries() {
        TreeMap<Long, DmaMapping> copy = new TreeMap<>(Long::compareUnsigned);
        copy.putAll(entriesByIova);
        return copy;
    }

    private Type1DmaSpace with(NavigableMap<Long, DmaMapping> entries) {
        return new Type1DmaSpace(version, pageSize, entryLimit, validRanges, entries);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Type1DmaSpace that
                && version == that.version
                && pageSize == that.pageSize
                && entryLimit == that.entryLimit
                && validRanges.equals(that.validRanges)
                && entries().equals(that.entries());
    }

    @Override
    public int hashCode() {
        return entries().hashCode();
    }

    @Override
    public String toString() {
        return "Type1DmaSpace(" + version + ")" + entries();
    }
}
