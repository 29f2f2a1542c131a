package dev.custody.model.mapping;

import static dev.custody.model.mapping.Addresses.hex;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * A VFIO type1 container's IOMMU driver state: its version, the container's page size and valid IOVA
 * ranges, the entry limit and the list of {@code vfio_dma} entries by IOVA. Immutable; the entries
 * change only by {@link #withEntries} and {@link #withoutEntries}, which put and take what the rules
 * decided (MAP_DMA/UNMAP_DMA are decided in {@code rules.mapping}).
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

    private Type1DmaSpace(
            Type1Version version,
            long pageSize,
            int entryLimit,
            List<IovaRange> validRanges,
            NavigableMap<Long, DmaMapping> entriesByIova) {
        this.version = version;
        this.pageSize = pageSize;
        this.entryLimit = entryLimit;
        this.validRanges = validRanges;
        this.entriesByIova = entriesByIova;
    }

    public static Type1DmaSpace empty(Type1Version version) {
        return new Type1DmaSpace(
                version,
                DEFAULT_PAGE_SIZE,
                DEFAULT_ENTRY_LIMIT,
                DEFAULT_VALID_RANGES,
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

    /** The same list with these entries put in (by their IOVA). */
    public Type1DmaSpace withEntries(Collection<DmaMapping> entries) {
        if (entries.isEmpty()) {
            return this;
        }
        NavigableMap<Long, DmaMapping> next = copyOfEntries();
        entries.forEach(entry -> next.put(entry.iova(), entry));
        return with(next);
    }

    /** The same list without the entries at these entries' IOVAs. */
    public Type1DmaSpace withoutEntries(Collection<DmaMapping> entries) {
        if (entries.isEmpty()) {
            return this;
        }
        NavigableMap<Long, DmaMapping> next = copyOfEntries();
        entries.forEach(entry -> next.remove(entry.iova()));
        return with(next);
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

    /** dma_avail's starting value: how many vfio_dma entries the container may hold. */
    public int entryLimit() {
        return entryLimit;
    }

    public List<DmaMapping> entries() {
        return List.copyOf(entriesByIova.values());
    }

    public int entryCount() {
        return entriesByIova.size();
    }

    /** The entry whose range holds {@code address}, if any. */
    public Optional<DmaMapping> entryCovering(long address) {
        Map.Entry<Long, DmaMapping> floor = entriesByIova.floorEntry(address);
        if (floor != null && floor.getValue().range().contains(address)) {
            return Optional.of(floor.getValue());
        }
        return Optional.empty();
    }

    /** The lowest entry that shares a byte with {@code range}, if any. */
    public Optional<DmaMapping> firstEntryIntersecting(IovaRange range) {
        Optional<DmaMapping> covering = entryCovering(range.start());
        if (covering.isPresent()) {
            return covering;
        }
        Map.Entry<Long, DmaMapping> after = entriesByIova.ceilingEntry(range.start());
        return after != null && range.contains(after.getKey()) ? Optional.of(after.getValue()) : Optional.empty();
    }

    /** The entries whose first byte lies in {@code range}, ascending by IOVA. */
    public List<DmaMapping> entriesStartingIn(IovaRange range) {
        return List.copyOf(
                entriesByIova.subMap(range.start(), true, range.last(), true).values());
    }

    /** The user address {@code iova} is backed by, if a mapping covers it. */
    public OptionalLong translate(long iova) {
        Optional<DmaMapping> entry = entryCovering(iova);
        return entry.isPresent()
                ? OptionalLong.of(entry.get().vaddr() + (iova - entry.get().iova()))
                : OptionalLong.empty();
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
