package dev.custody.nativeio.pagetable;

/**
 * The bits of one 8-byte entry in the x86-64 four-level format, and how an I/O virtual address
 * selects entries. Level 1 entries map 4 KiB, level 2 map 2 MiB, level 3 map 1 GiB, level 4
 * only points to tables.
 *
 * <p>Presence follows VT-d second-level tables: an entry is present when its read or write bit
 * is set, so a write-only leaf is representable. Entries that are not present are stored as 0,
 * which lets the page pool count live entries as non-zero ones.
 *
 * <p>A table entry's address field holds the pool index of the child table page rather than a
 * raw native address: walks then never turn numbers back into pointers (no
 * {@code MemorySegment.reinterpret}), and every access stays bounds-checked.
 */
final class PageTableEntry {

    static final long READ = 1L; // bit 0: present / readable
    static final long WRITE = 1L << 1; // bit 1: writable
    static final long PAGE_SIZE = 1L << 7; // bit 7: leaf at level 2 or 3
    /**
     * Bits 12..63. Hardware formats stop at bit 51, but the kernel's map checks only alignment, never
     * the physical address's width (iommu.c __iommu_map, intel's __domain_mapping), so a caller may
     * map any 64-bit address; the table keeps it whole, as the model does, and translates it back.
     */
    static final long ADDRESS_MASK = 0xFFFF_FFFF_FFFF_F000L;

    static final long PROT_MASK = READ | WRITE;

    static final int PAGE_SHIFT = 12;
    static final int BITS_PER_LEVEL = 9;
    static final int ENTRIES_PER_TABLE = 1 << BITS_PER_LEVEL;
    static final int MAX_LEVELS = 4;

    private PageTableEntry() {}

    static boolean isPresent(long entry) {
        return (entry & PROT_MASK) != 0;
    }

    static boolean isLeaf(long entry, int level) {
        return level == 1 || (entry & PAGE_SIZE) != 0;
    }

    /** A leaf at {@code level} translating to {@code paddr}; {@code prot} uses IoMapping's bits, equal to the PTE's. */
    static long leaf(long paddr, int level, int prot) {
        long entry = (paddr & ADDRESS_MASK) | (prot & PROT_MASK);
        return level == 1 ? entry : entry | PAGE_SIZE;
    }

    /** A non-leaf entry; read and write are set so permissions are decided by the leaves alone. */
    static long table(int tablePage) {
        return ((long) tablePage << PAGE_SHIFT) | READ | WRITE;
    }

    /**
     * The pool index of a table entry's child. Plain truncation, no overflow check: only the table
     * writes table entries, from an int index, and an index that is not a page in use fails the
     * pool's in-use check on the next access. One check fewer per level of every walk.
     */
    static int tablePage(long entry) {
        return (int) (entry >>> PAGE_SHIFT);
    }

    static long address(long entry) {
        return entry & ADDRESS_MASK;
    }

    static int prot(long entry) {
        return (int) (entry & PROT_MASK);
    }

    /** log2 of the bytes one entry at {@code level} covers: 12, 21, 30, 39. */
    static int shift(int level) {
        return PAGE_SHIFT + BITS_PER_LEVEL * (level - 1);
    }

    static long bytesCovered(int level) {
        return 1L << shift(level);
    }

    static int index(long iova, int level) {
        return (int) ((iova >>> shift(level)) & (ENTRIES_PER_TABLE - 1));
    }

    /** The level whose leaves have {@code pageSize} bytes; pageSize is 4K, 2M or 1G. */
    static int levelOf(long pageSize) {
        int shift = Long.numberOfTrailingZeros(pageSize);
        return (shift - PAGE_SHIFT) / BITS_PER_LEVEL + 1;
    }
}
