/*
 * The C yardstick for `custody bench pagetable`: the same x86-64 four-level I/O page table and the
 * same iommu_map/iommu_unmap semantics as the Java IoPageTable (largest-page selection, EEXIST with
 * rollback, whole-leaf unmap, empty table pages released to a free list, live-entry counts), the
 * same algorithm (one walk per table page, then consecutive entries filled or cleared), and the
 * same benchmark operations. Not part of the product; compiled with gcc -O2 at bench time.
 *
 * Usage: pagetable_yardstick WARMUP_MS ROUND_MS ROUNDS
 * Prints one line per benchmark: "bench NAME NS_PER_OP".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SHIFT 12
#define ENTRIES 512
#define MAX_LEVELS 4
#define PAGES_PER_SLAB 64
#define READ 1ULL
#define WRITE 2ULL
#define PS_BIT (1ULL << 7)
#define ADDRESS_MASK 0xFFFFFFFFFFFFF000ULL /* every 64-bit physical address, as PageTableEntry */
#define SIZE_4K (1ULL << 12)
#define SIZE_2M (1ULL << 21)
#define SIZE_1G (1ULL << 30)

/* Table pages in one region, page p at entry p * ENTRIES, recycled through a free list and named
 * by index as in Java; the region grows as TablePagePool's segment does (by half, at least a slab,
 * in whole slabs), into a larger region with the pages copied over. */
struct pool {
    uint64_t *mem;
    int *free_pages, free_count;
    int *live;
    int capacity;
};

static void pool_grow(struct pool *p) {
    int old = p->capacity, half = (old / 2 + PAGES_PER_SLAB - 1) & -PAGES_PER_SLAB;
    int grown = old + (half > PAGES_PER_SLAB ? half : PAGES_PER_SLAB);
    uint64_t *mem = aligned_alloc(4096, (size_t) 4096 * grown);
    memset(mem, 0, (size_t) 4096 * grown);
    if (old) memcpy(mem, p->mem, (size_t) 4096 * old);
    free(p->mem);
    p->mem = mem;
    p->capacity = grown;
    p->live = realloc(p->live, sizeof(int) * grown);
    memset(p->live + old, 0, sizeof(int) * (grown - old));
    p->free_pages = realloc(p->free_pages, sizeof(int) * grown);
    for (int page = grown - 1; page >= old; page--) p->free_pages[p->free_count++] = page;
}

static int pool_alloc(struct pool *p) {
    if (p->free_count == 0) pool_grow(p);
    return p->free_pages[--p->free_count];
}

static void pool_release(struct pool *p, int page) { p->free_pages[p->free_count++] = page; }

static inline uint64_t *entry_at(struct pool *p, int page, int i) { return &p->mem[(size_t) page * ENTRIES + i]; }

static inline uint64_t load(struct pool *p, int page, int i) { return *entry_at(p, page, i); }

static inline void store(struct pool *p, int page, int i, uint64_t e) {
    uint64_t *slot = entry_at(p, page, i);
    p->live[page] += (e != 0) - (*slot != 0);
    *slot = e;
}

struct table {
    struct pool pool;
    uint64_t pgsizes, iova_limit;
    int root_level, root;
    int path_page[MAX_LEVELS + 1], path_index[MAX_LEVELS + 1];
};

static inline int shift_of(int level) { return PAGE_SHIFT + 9 * (level - 1); }
static inline int index_of(uint64_t iova, int level) { return (iova >> shift_of(level)) & (ENTRIES - 1); }
static inline int present(uint64_t e) { return (e & (READ | WRITE)) != 0; }
static inline int is_leaf(uint64_t e, int level) { return level == 1 || (e & PS_BIT); }
static inline int table_page(uint64_t e) { return (int) ((e & ADDRESS_MASK) >> PAGE_SHIFT); }
static inline int level_of(uint64_t size) { return (__builtin_ctzll(size) - PAGE_SHIFT) / 9 + 1; }
static inline uint64_t highest_bit(uint64_t v) { return v ? 1ULL << (63 - __builtin_clzll(v)) : 0; }
static inline uint64_t lowest_bit(uint64_t v) { return v & -v; }

static void table_init(struct table *t, uint64_t pgsizes, int width) {
    memset(t, 0, sizeof(*t));
    t->pgsizes = pgsizes;
    t->iova_limit = 1ULL << width;
    t->root_level = (width - PAGE_SHIFT + 8) / 9;
    t->root = pool_alloc(&t->pool);
}

static uint64_t pick(const struct table *t, uint64_t iova, uint64_t paddr, uint64_t remaining) {
    uint64_t candidates = t->pgsizes & (highest_bit(remaining) * 2 - 1);
    uint64_t bits = iova | paddr;
    if (bits) candidates &= lowest_bit(bits) * 2 - 1;
    return highest_bit(candidates);
}

/* The table page at leaf_level on the way to iova, creating missing tables; -1 when a larger leaf
 * is in the way (nothing was created then). As IoPageTable.tableFor. */
static int table_for(struct table *t, uint64_t iova, int leaf_level) {
    int page = t->root;
    for (int level = t->root_level; level > leaf_level; level--) {
        int i = index_of(iova, level);
        uint64_t e = load(&t->pool, page, i);
        if (!present(e)) {
            /* Below a fresh table nothing is mapped: create the rest, as IoPageTable.addTables. */
            for (; level > leaf_level; level--) {
                int child = pool_alloc(&t->pool);
                store(&t->pool, page, index_of(iova, level), ((uint64_t) child << PAGE_SHIFT) | READ | WRITE);
                page = child;
            }
            return page;
        }
        if (is_leaf(e, level)) return -1;
        page = table_page(e);
    }
    return page;
}

/* As TablePagePool: runs of at least BULK_MIN entries are checked with memcmp against a page of
 * zeroes and cleared with memset (the counterparts of MemorySegment.mismatch and fill). */
#define BULK_MIN 16
static const uint64_t zero_page[ENTRIES];

/* Stores e at index i when that entry is 0, else 0: a single leaf, as TablePagePool.storeIfEmpty. */
static inline int store_if_empty(struct pool *p, int page, int i, uint64_t e) {
    uint64_t *slot = entry_at(p, page, i);
    if (*slot) return 0;
    *slot = e;
    p->live[page] += e != 0;
    return 1;
}

/* Zeroes entry i when it is non-zero and has every bit of required, as TablePagePool.clearIfHas. */
static inline int clear_if_has(struct pool *p, int page, int i, uint64_t required) {
    uint64_t *slot = entry_at(p, page, i);
    if (!*slot || (*slot & required) != required) return 0;
    *slot = 0;
    p->live[page]--;
    return 1;
}

/* Stores first, first + step, ... into count entries from index from when all are 0; else 0. */
static int fill_if_empty(struct pool *p, int page, int from, int count, uint64_t first, uint64_t step) {
    uint64_t *slot = entry_at(p, page, from);
    if (count == 1) return store_if_empty(p, page, from, first); /* a single leaf, as in TablePagePool */
    if (count < BULK_MIN) {
        for (int k = 0; k < count; k++) if (slot[k]) return 0;
    } else if (memcmp(slot, zero_page, sizeof(uint64_t) * count) != 0) {
        return 0;
    }
    int stored = 0;
    for (int k = 0; k < count; k++, first += step) { slot[k] = first; stored += first != 0; }
    p->live[page] += stored;
    return 1;
}

/* Zeroes consecutive non-zero entries having every bit of required, at most max; returns how many. */
static int clear_run(struct pool *p, int page, int from, int max, uint64_t required) {
    uint64_t *slot = entry_at(p, page, from);
    if (max == 1) return clear_if_has(p, page, from, required);
    int cleared = 0;
    while (cleared < max && slot[cleared] && (slot[cleared] & required) == required) cleared++;
    if (cleared < BULK_MIN) for (int k = 0; k < cleared; k++) slot[k] = 0;
    else memset(slot, 0, sizeof(uint64_t) * cleared);
    p->live[page] -= cleared;
    return cleared;
}

static int walk_to_leaf(struct table *t, uint64_t iova) {
    int page = t->root;
    for (int level = t->root_level; level >= 1; level--) {
        int i = index_of(iova, level);
        t->path_page[level] = page;
        t->path_index[level] = i;
        uint64_t e = load(&t->pool, page, i);
        if (!present(e)) return 0;
        if (is_leaf(e, level)) return level;
        page = table_page(e);
    }
    abort();
}

static void release_empty_tables_on_path(struct table *t, int leaf_level) {
    for (int level = leaf_level; level < t->root_level && t->pool.live[t->path_page[level]] == 0; level++) {
        pool_release(&t->pool, t->path_page[level]);
        store(&t->pool, t->path_page[level + 1], t->path_index[level + 1], 0);
    }
}

/* One walk per table page: the leaf found and the same-size leaves after it are cleared in one pass. */
static uint64_t unmap_from(struct table *t, uint64_t iova, uint64_t size) {
    uint64_t removed = 0, position = iova;
    while (removed < size && position < t->iova_limit) {
        int leaf_level = walk_to_leaf(t, position);
        if (leaf_level == 0) break;
        uint64_t leaf = 1ULL << shift_of(leaf_level), remaining = size - removed;
        uint64_t wanted = (remaining >> shift_of(leaf_level)) + ((remaining & (leaf - 1)) != 0);
        int first = t->path_index[leaf_level];
        int max = (uint64_t) (ENTRIES - first) < wanted ? ENTRIES - first : (int) wanted;
        int cleared = clear_run(&t->pool, t->path_page[leaf_level], first, max, leaf_level == 1 ? 0 : PS_BIT);
        release_empty_tables_on_path(t, leaf_level);
        removed += cleared * leaf;
        position = (position & -leaf) + cleared * leaf;
    }
    return removed;
}

/* Exactly one leaf: size is a page size, iova and paddr are aligned to it and iova lies inside the
 * width. Then every argument check holds and the chunk loop would pick size once: the single-leaf
 * paths below are IoPageTable's (isOneLeaf, mapLeaf, unmapLeaf). */
static inline int one_leaf(const struct table *t, uint64_t iova, uint64_t paddr, uint64_t size) {
    return (size & t->pgsizes) && !(size & (size - 1)) && !((iova | paddr) & (size - 1)) && iova < t->iova_limit;
}

static int map_leaf(struct table *t, uint64_t iova, uint64_t e, int leaf_level) {
    int page = table_for(t, iova, leaf_level);
    return page >= 0 && store_if_empty(&t->pool, page, index_of(iova, leaf_level), e) ? 0 : -17;
}

/* After unmap_leaf emptied the table at leaf_level: walk again recording the path, then release. */
static void release_empty_tables_above(struct table *t, uint64_t iova, int leaf_level) {
    int page = t->root;
    for (int level = t->root_level; level >= leaf_level; level--) {
        int i = index_of(iova, level);
        t->path_page[level] = page;
        t->path_index[level] = i;
        if (level > leaf_level) page = table_page(load(&t->pool, page, i));
    }
    release_empty_tables_on_path(t, leaf_level);
}

/* The removed leaf's size, 0 when nothing maps iova, -1 (nothing changed) when the leaf is smaller
 * than size and the general loop must go on. The walk keeps its path in locals, as in Java. */
static int64_t unmap_leaf(struct table *t, uint64_t iova, uint64_t size) {
    int page = t->root;
    for (int level = t->root_level;; level--) {
        int i = index_of(iova, level);
        uint64_t e = load(&t->pool, page, i);
        if (!present(e)) return 0;
        if (is_leaf(e, level)) {
            uint64_t leaf = 1ULL << shift_of(level);
            if (leaf < size) return -1;
            clear_if_has(&t->pool, page, i, 0);
            if (level < t->root_level && t->pool.live[page] == 0) release_empty_tables_above(t, iova, level);
            return (int64_t) leaf;
        }
        page = table_page(e);
    }
}

/* 0, -22 (EINVAL) or -17 (EEXIST), as MapResult. */
static int pt_map(struct table *t, uint64_t iova, uint64_t paddr, uint64_t size, int r, int w) {
    if ((r || w) && one_leaf(t, iova, paddr, size)) {
        int leaf_level = level_of(size);
        uint64_t e = (paddr & ADDRESS_MASK) | (r ? READ : 0) | (w ? WRITE : 0);
        return map_leaf(t, iova, leaf_level == 1 ? e : e | PS_BIT, leaf_level);
    }
    if (!r && !w) return -22;
    uint64_t smallest = lowest_bit(t->pgsizes);
    if (size == 0 || ((iova | paddr | size) & (smallest - 1))) return -22;
    /* As IoPageTable: any 64-bit physical address whose range does not wrap past 2^64. */
    if ((int64_t) iova < 0 || (int64_t) size < 0 || size > t->iova_limit - iova || paddr + size - 1 < paddr) return -22;
    uint64_t prot = (r ? READ : 0) | (w ? WRITE : 0), mapped = 0;
    /* One walk per leaf table; the picked size cannot change inside one (see IoPageTable.map). */
    while (mapped < size) {
        uint64_t va = iova + mapped, pa = paddr + mapped;
        uint64_t ps = pick(t, va, pa, size - mapped);
        int leaf_level = level_of(ps), first = index_of(va, leaf_level);
        uint64_t fit = (size - mapped) >> shift_of(leaf_level);
        int count = (uint64_t) (ENTRIES - first) < fit ? ENTRIES - first : (int) fit;
        int page = table_for(t, va, leaf_level);
        uint64_t e = (pa & ADDRESS_MASK) | prot;
        if (page < 0 || !fill_if_empty(&t->pool, page, first, count, leaf_level == 1 ? e : e | PS_BIT, ps)) {
            unmap_from(t, iova, mapped);
            return -17;
        }
        mapped += count * ps;
    }
    return 0;
}

static uint64_t pt_unmap(struct table *t, uint64_t iova, uint64_t size) {
    if (one_leaf(t, iova, 0, size)) {
        int64_t removed = unmap_leaf(t, iova, size);
        if (removed >= 0) return (uint64_t) removed;
    }
    uint64_t smallest = lowest_bit(t->pgsizes);
    if (size == 0 || iova >= t->iova_limit || ((iova | size) & (smallest - 1))) return 0;
    return unmap_from(t, iova, size);
}

/* ---- the benchmarks: the same targets, keepers and random walk as PageTableBenchmark.java ---- */

#define T_4K 0x1000000000ULL
#define T_256 0x1040000000ULL
#define T_2M 0x1080000000ULL
#define T_1G 0x1100000000ULL
#define T_RANDOM 0x2000000000ULL
#define PADDR 0x4000000000ULL
#define RANDOM_PAGES 65536
#define RANDOM_SLOTS 262144

static struct table table;
static uint64_t random_iova[RANDOM_PAGES];
static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static volatile uint64_t sink;
static int devnull;
static long (*volatile noop_fn)(long) = labs;

static inline uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void setup(void) {
    table_init(&table, SIZE_4K | SIZE_2M | SIZE_1G, 48);
    /* Keepers hold the walk's table pages in place, as neighbouring mappings do in a live domain. */
    pt_map(&table, T_4K + SIZE_4K, PADDR, SIZE_4K, 1, 1);
    pt_map(&table, T_256 + (1 << 20), PADDR, SIZE_4K, 1, 1);
    pt_map(&table, T_2M + SIZE_2M, PADDR, SIZE_4K, 1, 1);
    pt_map(&table, T_1G + SIZE_1G, PADDR, SIZE_4K, 1, 1);
    /* RANDOM_PAGES distinct 4K slots of a 1 GiB window, by a partial Fisher-Yates shuffle. */
    static int slots[RANDOM_SLOTS];
    for (int i = 0; i < RANDOM_SLOTS; i++) slots[i] = i;
    for (int i = 0; i < RANDOM_PAGES; i++) {
        int j = i + (int) (next_random() % (RANDOM_SLOTS - i));
        int s = slots[i]; slots[i] = slots[j]; slots[j] = s;
        random_iova[i] = T_RANDOM + ((uint64_t) slots[i] << PAGE_SHIFT);
        pt_map(&table, random_iova[i], PADDR + ((uint64_t) slots[i] << PAGE_SHIFT), SIZE_4K, 1, 1);
    }
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void b_map_unmap_4k(void) { pt_map(&table, T_4K, PADDR, SIZE_4K, 1, 1); sink += pt_unmap(&table, T_4K, SIZE_4K); }
static void b_map_unmap_256x4k(void) { pt_map(&table, T_256, PADDR, 256 * SIZE_4K, 1, 1); sink += pt_unmap(&table, T_256, 256 * SIZE_4K); }
static void b_map_unmap_2m(void) { pt_map(&table, T_2M, PADDR, SIZE_2M, 1, 1); sink += pt_unmap(&table, T_2M, SIZE_2M); }
static void b_map_unmap_1g(void) { pt_map(&table, T_1G, PADDR, SIZE_1G, 1, 1); sink += pt_unmap(&table, T_1G, SIZE_1G); }
static void b_random_unmap_remap(void) {
    uint64_t iova = random_iova[next_random() & (RANDOM_PAGES - 1)]; /* as Java: a mask, RANDOM_PAGES is 2^16 */
    sink += pt_unmap(&table, iova, SIZE_4K);
    pt_map(&table, iova, PADDR + (iova - T_RANDOM), SIZE_4K, 1, 1);
}
static void b_downcall_noop(void) { sink += noop_fn((long) sink); }
static void b_downcall_getpid(void) { sink += getpid(); }
static void b_downcall_ioctl(void) { struct termios tio; sink += ioctl(devnull, TCGETS, &tio); }

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Runs op in batches until ms have passed; returns ns per call. */
static double round_of(void (*op)(void), double ms) {
    long calls = 0;
    double start = now_ns(), end = start + ms * 1e6, t;
    do {
        for (int i = 0; i < 256; i++) op();
        calls += 256;
    } while ((t = now_ns()) < end);
    return (t - start) / calls;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s WARMUP_MS ROUND_MS ROUNDS\n", argv[0]);
        return 2;
    }
    double warmup = atof(argv[1]), round_ms = atof(argv[2]);
    int rounds = atoi(argv[3]);
    setup();
    struct { const char *name; void (*op)(void); } benches[] = {
        {"map_unmap_4k", b_map_unmap_4k}, {"map_unmap_256x4k", b_map_unmap_256x4k},
        {"map_unmap_2m", b_map_unmap_2m}, {"map_unmap_1g", b_map_unmap_1g},
        {"random_unmap_remap_4k", b_random_unmap_remap}, {"downcall_noop", b_downcall_noop},
        {"downcall_getpid", b_downcall_getpid}, {"downcall_ioctl_devnull", b_downcall_ioctl},
    };
    for (size_t b = 0; b < sizeof(benches) / sizeof(benches[0]); b++) {
        round_of(benches[b].op, warmup);
        double total = 0;
        for (int r = 0; r < rounds; r++) total += round_of(benches[b].op, round_ms);
        printf("bench %s %.3f\n", benches[b].name, total / rounds);
        fflush(stdout);
    }
    return 0;
}
