package dev.custody.bench;

import dev.custody.nativeio.pagetable.IoPageTable;
import dev.custody.nativeio.pagetable.PageSizeBitmap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Map and unmap on {@link IoPageTable}. The C yardstick (pagetable_yardstick.c) runs the very same
 * operations on the same addresses, so the two columns of {@code custody bench pagetable} compare
 * like with like. Method names are the benchmark names both sides print.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PageTableBenchmark {

    static final long T_4K = 0x10_0000_0000L;
    static final long T_256 = 0x10_4000_0000L;
    static final long T_2M = 0x10_8000_0000L;
    static final long T_1G = 0x11_0000_0000L;
    static final long T_RANDOM = 0x20_0000_0000L;
    static final long PADDR = 0x40_0000_0000L;
    static final long SIZE_4K = PageSizeBitmap.SIZE_4K;
    static final long SIZE_2M = PageSizeBitmap.SIZE_2M;
    static final long SIZE_1G = PageSizeBitmap.SIZE_1G;
    static final int RANDOM_PAGES = 65536;
    static final int RANDOM_SLOTS = 262144;

    private IoPageTable table;
    private final long[] randomIova = new long[RANDOM_PAGES];
    private long rng = 0x9E3779B97F4A7C15L;

    @Setup
    public void setUp() {
        table = new IoPageTable(PageSizeBitmap.ALL, 48);
        // Keepers hold the walk's table pages in place, as neighbouring mappings do in a live
        // domain; without them every op would also allocate and free three table pages.
        table.map(T_4K + SIZE_4K, PADDR, SIZE_4K, true, true);
        table.map(T_256 + (1 << 20), PADDR, SIZE_4K, true, true);
        table.map(T_2M + SIZE_2M, PADDR, SIZE_4K, true, true);
        table.map(T_1G + SIZE_1G, PADDR, SIZE_4K, true, true);
        // RANDOM_PAGES distinct 4K slots of a 1 GiB window, shuffled as the C side does.
        int[] slots = new int[RANDOM_SLOTS];
        for (int i = 0; i < RANDOM_SLOTS; i++) {
            slots[i] = i;
        }
        for (int i = 0; i < RANDOM_PAGES; i++) {
            int j = i + (int) Long.remainderUnsigned(nextRandom(), RANDOM_SLOTS - i);
            int s = slots[i];
            slots[i] = slots[j];
            slots[j] = s;
            randomIova[i] = T_RANDOM + ((long) slots[i] << 12);
            table.map(randomIova[i], PADDR + ((long) slots[i] << 12), SIZE_4K, true, true);
        }
    }

    @TearDown
    public void tearDown() {
        table.close();
    }

    /** xorshift64, the same sequence as the C side. */
    private long nextRandom() {
        rng ^= rng << 13;
        rng ^= rng >>> 7;
        rng ^= rng << 17;
        return rng;
    }

    @Benchmark
    public long map_unmap_4k() {
        table.map(T_4K, PADDR, SIZE_4K, true, true);
        return table.unmap(T_4K, SIZE_4K);
    }

    /** 256 contiguous 4K pages in one call (1 MiB is below 2M, so 256 leaves); divide by 256 per page. */
    @Benchmark
    public long map_unmap_256x4k() {
        table.map(T_256, PADDR, 256 * SIZE_4K, true, true);
        return table.unmap(T_256, 256 * SIZE_4K);
    }

    @Benchmark
    public long map_unmap_2m() {
        table.map(T_2M, PADDR, SIZE_2M, true, true);
        return table.unmap(T_2M, SIZE_2M);
    }

    @Benchmark
    public long map_unmap_1g() {
        table.map(T_1G, PADDR, SIZE_1G, true, true);
        return table.unmap(T_1G, SIZE_1G);
    }

    /**
     * Unmaps a random one of 65536 mapped pages and maps it back, keeping the table steady. The
     * pick masks the random number, as the C side's {@code % RANDOM_PAGES} compiles (a power of
     * two): {@code Long.remainderUnsigned} would cost a 64-bit division that C does not pay.
     */
    @Benchmark
    public long random_unmap_remap_4k() {
        long iova = randomIova[(int) (nextRandom() & (RANDOM_PAGES - 1))];
        long removed = table.unmap(iova, SIZE_4K);
        table.map(iova, PADDR + (iova - T_RANDOM), SIZE_4K, true, true);
        return removed;
    }
}
