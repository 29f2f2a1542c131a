package dev.custody.nativeio.pagetable;

import static dev.custody.nativeio.pagetable.PageTableEntry.ENTRIES_PER_TABLE;
import static dev.custody.nativeio.pagetable.PageTableEntry.MAX_LEVELS;
import static dev.custody.nativeio.pagetable.PageTableEntry.PAGE_SHIFT;
import static dev.custody.nativeio.pagetable.PageTableEntry.bytesCovered;
import static dev.custody.nativeio.pagetable.PageTableEntry.index;
import static dev.custody.nativeio.pagetable.PageTableEntry.isLeaf;
import static dev.custody.nativeio.pagetable.PageTableEntry.isPresent;

import java.util.ArrayList;
import java.util.List;

/**
 * An I/O page table in off-heap memory with the semantics of the kernel's {@code iommu_map},
 * {@code iommu_unmap} and {@code iommu_iova_to_phys}, stored in the x86-64 four-level format
 * (see {@link PageTableEntry}).
 *
 * <p>The number of levels follows the address width as in VT-d: 39 bits give a three-level table
 * whose root holds 1 GiB leaves, 48 bits a four-level table. Table pages come from one
 * {@link TablePagePool}; {@link #close()} frees all of them at once.
 *
 * <p>Invariant: every table page other than the root has at least one present entry. Empty pages
 * are released as soon as they empty, so an existing table entry always means something is
 * mapped below it.
 *
 * <p>Not thread-safe: one owner uses it at a time. Every method except {@link #close()} and
 * {@link #isOpen()} throws {@link IllegalStateException} once the table is closed.
 */
public final class IoPageTable implements AutoCloseable {

    /** Table pages reserved at first: 256 KiB, enough for a typical domain. */
    public static final int DEFAULT_PAGES_PER_SLAB = 64;

    private static final int MIN_ADDRESS_WIDTH = PAGE_SHIFT + 9;
    private static final int MAX_ADDRESS_WIDTH = PAGE_SHIFT + 9 * MAX_LEVELS;

    private final PageSizeBitmap pageSizes;
    /** pageSizes' bits, read on every map and unmap. */
    private final long leafSizes;

    private final int addressWidth;
    private final long iovaLimit;
    private final int rootLevel;
    private final TablePagePool pool;
    private final int root;

    // Scratch path of the last walk: the table page and index used at each level. Reused so
    // unmap allocates nothing; safe because the table has a single owner.
    private final int[] pathPage = new int[MAX_LEVELS + 1];
    private final int[] pathIndex = new int[MAX_LEVELS + 1];

    public IoPageTable(PageSizeBitmap pageSizes, int addressWidth) {
        this(pageSizes, addressWidth, DEFAULT_PAGES_PER_SLAB);
    }

    /**
     * @param pageSizes    the leaf sizes map may use; the smallest is the required alignment
     * @param addressWidth bits of I/O virtual address, 21 to 48; iovas from 0 to 2^width - 1 are valid
     * @param pagesPerSlab table pages the pool reserves at first and grows by at least, a power of
     *     two (it grows by half its size when that is more, copying the pages)
     */
    public IoPageTable(PageSizeBitmap pageSizes, int addressWidth, int pagesPerSlab) {
        if (addressWidth < MIN_ADDRESS_WIDTH || addressWidth > MAX_ADDRESS_WIDTH) {
            throw new IllegalArgumentException(
                    "address width " + addressWidth + " outside " + MIN_ADDRESS_WIDTH + ".." + MAX_ADDRESS_WIDTH);
        }
        int levels = (addressWidth - PAGE_SHIFT + 8) / 9;
        if (PageTableEntry.levelOf(pageSizes.largest()) > levels) {
            throw new IllegalArgumentException("a " + levels + "-level table for " + addressWidth
                    + "-bit addresses cannot hold leaves of " + pageSizes.largest() + " bytes");
        }
        this.pageSizes = pageSizes;
        this.leafSizes = pageSizes.bits();
        this.addressWidth = addressWidth;
        this.iovaLimit = 1L << addressWidth;
        this.rootLevel = levels;
        this.pool = new TablePagePool(pagesPerSlab);
        this.root = pool.allocate();
    }

    public PageSizeBitmap pageSizes() {
        return pageSizes;
    }

    public int addressWidth() {
        return addressWidth;
    }

    /** Levels of the radix tree: 3 for 39-bit, 4 for 48-bit addresses. */
    public int levels() {
        return rootLevel;
    }

    /**
     * Maps {@code size} bytes at {@code iova} to {@code paddr}, chunk by chunk with the largest
     * page size that the alignment of iova and paddr and the remaining length allow.
     *
     * @return {@link MapResult#EINVAL} when iova, paddr or size is not aligned to the smallest
     *     page size, size is 0, the iova range leaves the address width, the physical range wraps past 2^64, or
     *     neither read nor write is asked for (as VT-d); {@link MapResult#EEXIST} when any part of
     *     the range is already mapped, leaving the mappings and {@link #allocatedTablePages()}
     *     exactly as they were (the pool may keep a slab it grew by, on its free list)
     */
    public MapResult map(long iova, long paddr, long size, boolean read, boolean write) {
        if (isOneLeaf(iova, paddr, size) && (read || write)) {
            int leafLevel = PageTableEntry.levelOf(size);
            int prot = (read ? IoMapping.READ : 0) | (write ? IoMapping.WRITE : 0);
            return mapLeaf(iova, PageTableEntry.leaf(paddr, leafLevel, prot), leafLevel);
        }
        return mapRange(iova, paddr, size, read, write);
    }

    /**
     * Whether [iova, iova + size) is exactly one leaf: size is one of the page sizes and iova and
     * paddr are aligned to it, with iova inside the address width. Every check of
     * {@link #mapRange} and {@link #unmap} then passes without being made: size is non-zero and
     * aligned to the smallest page size; iova is not negative, and iova + size stays within the
     * width because the width is a multiple of every page size the table holds; paddr + size
     * cannot wrap past 2^64 because paddr is a multiple of size. And the chunk loop would pick
     * size for the one chunk (no larger size fits in size bytes), so the fast paths do exactly
     * what the general ones do.
     */
    private boolean isOneLeaf(long iova, long paddr, long size) {
        return (size & leafSizes) != 0
                && (size & (size - 1)) == 0
                && ((iova | paddr) & (size - 1)) == 0
                && Long.compareUnsigned(iova, iovaLimit) < 0;
    }

    /**
     * {@link #map} of one leaf: one walk, one entry. When closed, the walk's first access to the
     * root throws the same {@link IllegalStateException} as ensureOpen (the pool checks it).
     */
    private MapResult mapLeaf(long iova, long leaf, int leafLevel) {
        int page = tableFor(iova, leafLevel);
        // On a conflict nothing changed: tableFor creates tables only where nothing is mapped.
        return page >= 0 && pool.storeIfEmpty(page, index(iova, leafLevel), leaf) ? MapResult.OK : MapResult.EEXIST;
    }

    /** {@link #map} in general: any number of leaves, with the argument checks. */
    private MapResult mapRange(long iova, long paddr, long size, boolean read, boolean write) {
        ensureOpen();
        if (!read && !write) {
            return MapResult.EINVAL;
        }
        if (size == 0 || !pageSizes.isAligned(iova | paddr | size)) {
            return MapResult.EINVAL;
        }
        // A negative iova or size is 2^63 or more: outside every address width. A physical address is
        // any unsigned 64-bit number whose range does not wrap past 2^64.
        if (iova < 0 || size < 0 || size > iovaLimit - iova || Long.compareUnsigned(paddr + size - 1, paddr) < 0) {
            return MapResult.EINVAL;
        }
        int prot = (read ? IoMapping.READ : 0) | (write ? IoMapping.WRITE : 0);
        long mapped = 0;
        while (mapped < size) {
            long chunkIova = iova + mapped;
            long chunkPaddr = paddr + mapped;
            long pageSize = pageSizes.pick(chunkIova, chunkPaddr, size - mapped);
            int leafLevel = PageTableEntry.levelOf(pageSize);
            // One walk per leaf table, not per chunk. Inside one table the size picked stays the
            // same while at least a page of it remains: iova and paddr both advance by pageSize,
            // so they keep its alignment, and iova can only become aligned to a larger page size
            // at the start of the next table.
            int first = index(chunkIova, leafLevel);
            int count = (int) Math.min(ENTRIES_PER_TABLE - first, (size - mapped) >>> PageTableEntry.shift(leafLevel));
            int page = tableFor(chunkIova, leafLevel);
            if (page < 0
                    || !pool.fillIfEmpty(
                            page, first, count, PageTableEntry.leaf(chunkPaddr, leafLevel, prot), pageSize)) {
                return rollBack(iova, mapped);
            }
            mapped += count * pageSize;
        }
        return MapResult.OK;
    }

    /**
     * As the kernel's iommu_map on a conflict: undoes the chunks already mapped. They tile
     * [iova, iova + mapped) exactly, and unmapping frees the tables they created. The failed run
     * stored nothing (fillIfEmpty checks before it stores) and allocated no table (see tableFor).
     * Apart from map so the compiled map stays small enough to be inlined into its callers.
     */
    private MapResult rollBack(long iova, long mapped) {
        long undone = unmapFrom(iova, mapped);
        assert undone == mapped : "rollback removed " + undone + " of " + mapped;
        return MapResult.EEXIST;
    }

    /**
     * Unmaps from {@code iova}: the leaf covering the current position is removed whole (a large
     * page is never split, as VT-d: unmapping part of it removes all of it and counts its full
     * size), the position moves to the end of that leaf, and this repeats while fewer than
     * {@code size} bytes were removed. Stops at the first position nothing maps.
     *
     * @return bytes removed, possibly more than {@code size}; 0 when iova or size is not aligned
     *     to the smallest page size, size is 0, or iova lies outside the address width
     */
    public long unmap(long iova, long size) {
        if (isOneLeaf(iova, 0, size)) {
            long removed = unmapLeaf(iova, size);
            if (removed >= 0) {
                return removed;
            }
        }
        return unmapRange(iova, size);
    }

    /**
     * {@link #unmap} in general, with the argument checks. Apart from unmap so the compiled unmap
     * stays small enough to be inlined into its callers.
     */
    private long unmapRange(long iova, long size) {
        ensureOpen();
        if (size <= 0 || iova < 0 || iova >= iovaLimit || !pageSizes.isAligned(iova | size)) {
            return 0;
        }
        return unmapFrom(iova, size);
    }

    /** The physical address {@code iova} translates to, or 0 when nothing maps it (as the kernel). */
    public long iovaToPhys(long iova) {
        ensureOpen();
        if (iova < 0 || iova >= iovaLimit) {
            return 0;
        }
        int leafLevel = walkToLeaf(iova);
        if (leafLevel == 0) {
            return 0;
        }
        long entry = pool.load(pathPage[leafLevel], pathIndex[leafLevel]);
        return PageTableEntry.address(entry) | (iova & (bytesCovered(leafLevel) - 1));
    }

    /**
     * The translation as maximal runs, ascending by iova: neighbouring leaves merge when both
     * addresses continue and the permissions match. Two tables with equal runs translate every
     * iova alike, whatever page sizes they used.
     */
    public List<IoMapping> dump() {
        List<IoMapping> runs = new ArrayList<>();
        for (IoMapping leaf : leaves()) {
            int last = runs.size() - 1;
            if (last >= 0 && runs.get(last).isContinuedBy(leaf)) {
                IoMapping run = runs.get(last);
                runs.set(last, new IoMapping(run.iova(), run.paddr(), run.size() + leaf.size(), run.prot()));
            } else {
                runs.add(leaf);
            }
        }
        return runs;
    }

    /** Every leaf, one entry each, ascending by iova; shows which page sizes were used. */
    public List<IoMapping> leaves() {
        ensureOpen();
        List<IoMapping> leaves = new ArrayList<>();
        collectLeaves(root, rootLevel, 0, leaves);
        return leaves;
    }

    /** {@link IoMappingChecksum} of {@link #dump()}. */
    public long checksum() {
        return IoMappingChecksum.of(dump());
    }

    /** Table pages in use, the root included: 1 for an empty table. */
    public int allocatedTablePages() {
        ensureOpen();
        return pool.pagesInUse();
    }

    /** Off-heap bytes reserved for table pages, in use or on the free list. */
    public long reservedBytes() {
        ensureOpen();
        return pool.reservedBytes();
    }

    public boolean isOpen() {
        return pool.isOpen();
    }

    /** Frees all off-heap memory of the table. Idempotent. */
    @Override
    public void close() {
        pool.close();
    }

    /** The raw entry the walk for {@code iova} reads at {@code level}, or 0 when the walk ends above it. */
    long rawEntry(long iova, int level) {
        ensureOpen();
        if (level < 1 || level > rootLevel) {
            throw new IllegalArgumentException("level " + level + " outside 1.." + rootLevel);
        }
        int page = root;
        for (int current = rootLevel; ; current--) {
            long entry = pool.load(page, index(iova, current));
            if (current == level) {
                return entry;
            }
            if (!isPresent(entry) || isLeaf(entry, current)) {
                return 0;
            }
            page = PageTableEntry.tablePage(entry);
        }
    }

    /**
     * Checks the structure against the pool: live-entry counts, no empty non-root page, leaves
     * aligned to their size, every page in use reachable exactly once. For tests.
     *
     * @throws IllegalStateException describing the first violation
     */
    void checkInvariants() {
        ensureOpen();
        int reachable = checkTable(root, rootLevel, 0);
        if (reachable != pool.pagesInUse()) {
            throw new IllegalStateException(reachable + " table pages reachable but " + pool.pagesInUse() + " in use");
        }
    }

    private int checkTable(int page, int level, long baseIova) {
        int present = 0;
        int pages = 1;
        for (int i = 0; i < ENTRIES_PER_TABLE; i++) {
            long entry = pool.load(page, i);
            if (entry == 0) {
                continue;
            }
            long iova = baseIova + ((long) i << PageTableEntry.shift(level));
            if (!isPresent(entry)) {
                throw new IllegalStateException(
                        String.format("non-zero entry 0x%x without R/W at iova 0x%x level %d", entry, iova, level));
            }
            present++;
            if (iova >= iovaLimit) {
                throw new IllegalStateException(String.format("entry beyond the address width at iova 0x%x", iova));
            }
            if (isLeaf(entry, level)) {
                long allowedBits = PageTableEntry.ADDRESS_MASK
                        | PageTableEntry.PROT_MASK
                        | (level > 1 ? PageTableEntry.PAGE_SIZE : 0);
                if ((entry & ~allowedBits) != 0 || (PageTableEntry.address(entry) & (bytesCovered(level) - 1)) != 0) {
                    throw new IllegalStateException(
                            String.format("malformed leaf 0x%x at iova 0x%x level %d", entry, iova, level));
                }
                if (((pageSizes.bits() >>> PageTableEntry.shift(level)) & 1) == 0) {
                    throw new IllegalStateException(
                            String.format("leaf of unsupported size at iova 0x%x level %d", iova, level));
                }
            } else {
                int child = PageTableEntry.tablePage(entry);
                if (!pool.isInUse(child)) {
                    throw new IllegalStateException(
                            String.format("entry at iova 0x%x points to free page %d", iova, child));
                }
                pages += checkTable(child, level - 1, iova);
            }
        }
        if (present != pool.liveEntries(page)) {
            throw new IllegalStateException(
                    "page " + page + " counts " + pool.liveEntries(page) + " entries but holds " + present);
        }
        if (present == 0 && page != root) {
            throw new IllegalStateException("empty table page " + page + " was not released");
        }
        return pages;
    }

    /**
     * The table page at {@code leafLevel} on the way to {@code iova}, creating the tables that are
     * missing; -1 when a larger leaf already maps iova (nothing changed then: a table is only
     * created below a missing entry, and below a fresh table nothing can be in the way).
     *
     * <p>The loop makes no call: creating tables leaves it for {@link #addTables}. A call inside
     * would make the JIT reload the pool's fields and re-check its segment on every level, as
     * the call might have changed them; without one it checks them once per walk.
     */
    private int tableFor(long iova, int leafLevel) {
        int page = root;
        for (int level = rootLevel; level > leafLevel; level--) {
            int i = index(iova, level);
            long entry = pool.load(page, i);
            if (!isPresent(entry)) {
                return addTables(page, iova, level, leafLevel);
            } else if (isLeaf(entry, level)) {
                return -1;
            }
            page = PageTableEntry.tablePage(entry);
        }
        return page;
    }

    /**
     * Creates the tables for {@code iova} from the missing entry at {@code level} of {@code page}
     * down to the table at {@code leafLevel}, and returns that table. Every entry on the way is
     * missing: below a fresh table nothing is mapped.
     */
    private int addTables(int page, long iova, int level, int leafLevel) {
        int table = page;
        for (int current = level; current > leafLevel; current--) {
            int child = pool.allocate();
            pool.store(table, index(iova, current), PageTableEntry.table(child));
            table = child;
        }
        return table;
    }

    private long unmapFrom(long iova, long size) {
        long removed = 0;
        long position = iova;
        while (removed < size && position < iovaLimit) {
            int leafLevel = walkToLeaf(position);
            if (leafLevel == 0) {
                break;
            }
            // The leaf found and the leaves of the same size that follow it in the same table
            // page are removed in one pass; a walk is needed again only at the next table, at a
            // table entry (smaller leaves below) or at a hole (where the next walk stops).
            long leafSize = bytesCovered(leafLevel);
            long remaining = size - removed;
            // Leaves needed to reach size, rounded up (shifts: this runs on every unmap).
            long wanted = (remaining >>> PageTableEntry.shift(leafLevel)) + ((remaining & (leafSize - 1)) != 0 ? 1 : 0);
            int first = pathIndex[leafLevel];
            int max = (int) Math.min(ENTRIES_PER_TABLE - first, wanted);
            // Above level 1 only entries with the page-size bit are leaves; others are tables.
            long leafBit = leafLevel == 1 ? 0 : PageTableEntry.PAGE_SIZE;
            int cleared = pool.clearRun(pathPage[leafLevel], first, max, leafBit);
            assert cleared >= 1 : "the walk found a leaf at index " + first;
            releaseEmptyTablesOnPath(leafLevel);
            removed += cleared * leafSize;
            // The first leaf may start below position: the whole of it was removed.
            position = (position & -leafSize) + cleared * leafSize;
        }
        return removed;
    }

    /**
     * {@link #unmapFrom} when size is one page size and iova is aligned to it: the leaf covering
     * iova is removed whole, and when it holds at least size bytes that ends the unmap. Returns
     * -1, having changed nothing, when the leaf is smaller than size (more leaves follow: the
     * general loop takes over); 0 when nothing maps iova.
     *
     * <p>The walk keeps its path in locals rather than in {@link #pathPage}: the compiled unmap
     * is then small enough to be inlined. Level 1 entries are always leaves, so it ends there.
     * The leaf is handled after the loop so that a peeled or unrolled loop does not copy it.
     */
    private long unmapLeaf(long iova, long size) {
        int page = root;
        int level = rootLevel;
        int i = index(iova, level);
        long entry = pool.load(page, i);
        while (isPresent(entry) && !isLeaf(entry, level)) {
            page = PageTableEntry.tablePage(entry);
            level--;
            i = index(iova, level);
            entry = pool.load(page, i);
        }
        if (!isPresent(entry)) {
            return 0;
        }
        long leafSize = bytesCovered(level);
        if (leafSize < size) {
            return -1;
        }
        int left = pool.clearEntry(page, i);
        assert left >= 0 : "the walk found a leaf";
        if (left == 0 && level < rootLevel) {
            releaseEmptyTablesAbove(iova, level);
        }
        return leafSize;
    }

    /**
     * After unmapLeaf emptied the table at {@code leafLevel}: walks to it again, recording the
     * path (every table on it is still in place), and releases as the general unmap does. Only
     * when a table empties, so the extra walk is off the common path.
     */
    private void releaseEmptyTablesAbove(long iova, int leafLevel) {
        int page = root;
        for (int level = rootLevel; level >= leafLevel; level--) {
            int i = index(iova, level);
            pathPage[level] = page;
            pathIndex[level] = i;
            if (level > leafLevel) {
                page = PageTableEntry.tablePage(pool.load(page, i));
            }
        }
        releaseEmptyTablesOnPath(leafLevel);
    }

    /**
     * Walks towards {@code iova}, recording the path, and returns the level of the leaf mapping
     * it, or 0 when nothing does.
     */
    private int walkToLeaf(long iova) {
        int page = root;
        for (int level = rootLevel; level >= 1; level--) {
            int i = index(iova, level);
            pathPage[level] = page;
            pathIndex[level] = i;
            long entry = pool.load(page, i);
            if (!isPresent(entry)) {
                return 0;
            }
            if (isLeaf(entry, level)) {
                return level;
            }
            page = PageTableEntry.tablePage(entry);
        }
        throw walkPassedLevel1(iova);
    }

    /** Apart from walkToLeaf so the walk, on every unmap, compiles small. */
    private static IllegalStateException walkPassedLevel1(long iova) {
        return new IllegalStateException("walk for 0x" + Long.toHexString(iova) + " passed level 1");
    }

    /** Releases the table pages on the last walk's path that clearing leaves at leafLevel emptied. */
    private void releaseEmptyTablesOnPath(int leafLevel) {
        for (int level = leafLevel; level < rootLevel && pool.liveEntries(pathPage[level]) == 0; level++) {
            pool.release(pathPage[level]);
            pool.store(pathPage[level + 1], pathIndex[level + 1], 0);
        }
    }

    private void collectLeaves(int page, int level, long baseIova, List<IoMapping> out) {
        // Tables are mostly sparse: stop once every live entry of the page has been seen.
        int remaining = pool.liveEntries(page);
        for (int i = 0; i < ENTRIES_PER_TABLE && remaining > 0; i++) {
            long entry = pool.load(page, i);
            if (!isPresent(entry)) {
                continue;
            }
            remaining--;
            long iova = baseIova + ((long) i << PageTableEntry.shift(level));
            if (isLeaf(entry, level)) {
                out.add(new IoMapping(
                        iova, PageTableEntry.address(entry), bytesCovered(level), PageTableEntry.prot(entry)));
            } else {
                collectLeaves(PageTableEntry.tablePage(entry), level - 1, iova, out);
            }
        }
    }

    private void ensureOpen() {
        if (!pool.isOpen()) {
            throw new IllegalStateException("page table is closed");
        }
    }
}
