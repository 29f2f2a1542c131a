package dev.custody.nativeio.pagetable;

import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_1G;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_2M;
import static dev.custody.nativeio.pagetable.PageSizeBitmap.SIZE_4K;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random map/unmap/lookup sequences against {@link ReferencePageTable}, compared after every
 * step. Seeds are fixed so every run checks the same sequences; a failure names seed and step.
 */
class IoPageTableModelTest {

    private static final int STEPS = 1000;
    /** Most iovas fall in this window so requests collide often. */
    private static final long IOVA_WINDOW = 8 * SIZE_1G;

    private static final long PADDR_WINDOW = 64 * SIZE_1G;
    /** Requests the reference splits into more leaves are redrawn, to keep each step cheap. */
    private static final int MAX_LEAVES_PER_REQUEST = 600;

    private static final int LEAF_BUDGET = 1500;
    private static final int DEEP_CHECK_INTERVAL = 10;

    private static final long[] BITMAPS = {
        SIZE_4K | SIZE_2M | SIZE_1G,
        SIZE_4K | SIZE_2M,
        SIZE_4K | SIZE_2M | SIZE_1G,
        SIZE_4K | SIZE_1G,
        SIZE_2M | SIZE_1G,
        SIZE_4K,
    };

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 30);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void behavesLikeTheReference(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long bitmap = BITMAPS[(int) (seed % BITMAPS.length)];
        int width = seed % 2 == 0 ? 48 : 39;
        ReferencePageTable reference = new ReferencePageTable(bitmap, width);
        try (IoPageTable table = new IoPageTable(new PageSizeBitmap(bitmap), width, 16)) {
            Requests requests = new Requests(random, reference, bitmap, 1L << width);
            for (int step = 0; step < STEPS; step++) {
                String where = "seed " + seed + " step " + step + " (bitmap 0x" + Long.toHexString(bitmap) + ", width "
                        + width + "): ";
                // Past a few thousand leaves only unmap, so per-step comparisons stay cheap.
                if (reference.leafCount() < LEAF_BUDGET && random.nextInt(100) < 55) {
                    Requests.Map map = requests.nextMap();
                    where += "map " + map;
                    MapResult expected = reference.map(map.iova(), map.paddr(), map.size(), map.prot());
                    MapResult actual = table.map(
                            map.iova(),
                            map.paddr(),
                            map.size(),
                            (map.prot() & IoMapping.READ) != 0,
                            (map.prot() & IoMapping.WRITE) != 0);
                    assertEquals(expected, actual, where);
                } else {
                    Requests.Unmap unmap = requests.nextUnmap();
                    where += "unmap " + unmap;
                    long removed = reference.unmap(unmap.iova(), unmap.size());
                    assertEquals(removed, table.unmap(unmap.iova(), unmap.size()), where);
                }
                compare(reference, table, random, where, step % DEEP_CHECK_INTERVAL == 0);
            }

            String where = "seed " + seed + " final cleanup: ";
            for (IoMapping leaf : reference.leaves()) {
                assertEquals(leaf.size(), table.unmap(leaf.iova(), leaf.size()), where + leaf);
                reference.unmap(leaf.iova(), leaf.size());
            }
            compare(reference, table, random, where, true);
            assertEquals(List.of(), table.dump(), where);
            assertEquals(1, table.allocatedTablePages(), where + " only the root should remain");
        }
    }

    private static void compare(
            ReferencePageTable reference, IoPageTable table, SplittableRandom random, String where, boolean deep) {
        if (deep) {
            // A full scan of every table page: too slow for every step, and the checks below
            // catch any difference in behaviour on the very step it appears.
            try {
                table.checkInvariants();
            } catch (IllegalStateException broken) {
                fail(where + broken.getMessage(), broken);
            }
            assertEquals(IoMappingChecksum.of(reference.runs()), table.checksum(), where + " checksum");
        }
        assertSameMappings(reference.leaves(), table.leaves(), where + " leaves");
        assertSameMappings(reference.runs(), table.dump(), where + " runs");

        for (int i = 0; i < 8; i++) {
            long iova = random.nextLong(IOVA_WINDOW);
            assertEquals(
                    reference.iovaToPhys(iova),
                    table.iovaToPhys(iova),
                    where + " iovaToPhys 0x" + Long.toHexString(iova));
        }
        List<IoMapping> leaves = reference.leaves();
        if (!leaves.isEmpty()) {
            IoMapping leaf = leaves.get(random.nextInt(leaves.size()));
            for (long iova : new long[] {
                leaf.iova(),
                leaf.iova() + random.nextLong(leaf.size()),
                leaf.iovaEnd() - 1,
                leaf.iovaEnd(),
                leaf.iova() - 1
            }) {
                assertEquals(
                        reference.iovaToPhys(iova),
                        table.iovaToPhys(iova),
                        where + " iovaToPhys 0x" + Long.toHexString(iova) + " near " + leaf);
            }
        }
    }

    /** Names the first difference instead of printing thousands of mappings. */
    private static void assertSameMappings(List<IoMapping> expected, List<IoMapping> actual, String where) {
        int common = Math.min(expected.size(), actual.size());
        for (int i = 0; i < common; i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                fail(where + ": first difference at #" + i + ": expected " + expected.get(i) + " but was "
                        + actual.get(i) + " (" + expected.size() + " expected, " + actual.size() + " actual)");
            }
        }
        if (expected.size() != actual.size()) {
            List<IoMapping> longer = expected.size() > actual.size() ? expected : actual;
            fail(where + ": " + expected.size() + " expected but " + actual.size() + " actual; first extra "
                    + (longer == expected ? "expected " : "actual ") + longer.get(common));
        }
    }

    /** Draws requests: mostly valid and colliding, some misaligned, some at the edge of the address space. */
    private static final class Requests {
        record Map(long iova, long paddr, long size, int prot) {
            @Override
            public String toString() {
                return String.format("iova 0x%x paddr 0x%x size 0x%x prot %d", iova, paddr, size, prot);
            }
        }

        record Unmap(long iova, long size) {
            @Override
            public String toString() {
                return String.format("iova 0x%x size 0x%x", iova, size);
            }
        }

        private final SplittableRandom random;
        private final ReferencePageTable reference;
        private final long bitmap;
        private final long iovaLimit;

        Requests(SplittableRandom random, ReferencePageTable reference, long bitmap, long iovaLimit) {
            this.random = random;
            this.reference = reference;
            this.bitmap = bitmap;
            this.iovaLimit = iovaLimit;
        }

        Map nextMap() {
            while (true) {
                long iovaGranule = granule();
                // Matching alignment is the common case (huge pages back huge iovas).
                long paddrGranule = random.nextInt(4) == 0 ? granule() : iovaGranule;
                Map map = new Map(iova(iovaGranule), address(PADDR_WINDOW, paddrGranule), size(), prot());
                if (random.nextInt(100) < 4) {
                    map = misaligned(map);
                }
                List<IoMapping> chunks = reference.chunks(map.iova(), map.paddr(), map.size(), map.prot());
                if (chunks == null || chunks.size() <= MAX_LEAVES_PER_REQUEST) {
                    return map;
                }
            }
        }

        Unmap nextUnmap() {
            List<IoMapping> leaves = reference.leaves();
            int kind = random.nextInt(100);
            long iova;
            long size = size();
            if (!leaves.isEmpty() && kind < 40) {
                // Inside an existing leaf, often not at its start.
                IoMapping leaf = leaves.get(random.nextInt(leaves.size()));
                iova = random.nextBoolean()
                        ? leaf.iova()
                        : leaf.iova() + alignDown(random.nextLong(leaf.size()), SIZE_4K);
            } else if (!leaves.isEmpty() && kind < 70) {
                // A whole run, as a caller unmapping what it mapped; sometimes from inside it.
                List<IoMapping> runs = reference.runs();
                IoMapping run = runs.get(random.nextInt(runs.size()));
                iova = random.nextBoolean() ? run.iova() : run.iova() + alignDown(random.nextLong(run.size()), SIZE_4K);
                size = alignDown(run.iovaEnd() - iova + SIZE_4K, SIZE_4K);
            } else {
                iova = iova(granule());
            }
            int mistake = random.nextInt(100);
            if (mistake < 3) {
                iova += 0x800;
            } else if (mistake < 6) {
                size += 0x800;
            } else if (mistake < 8) {
                size = 0;
            }
            return new Unmap(iova, size);
        }

        private long iova(long granule) {
            int where = random.nextInt(100);
            if (where < 3) {
                return iovaLimit - granule * (1 + random.nextInt(2)); // the top edge
            }
            if (where < 5) {
                return iovaLimit + granule * random.nextInt(2); // beyond it
            }
            return address(IOVA_WINDOW, granule);
        }

        private long address(long window, long granule) {
            return alignDown(random.nextLong(window), granule);
        }

        /** Alignment of a drawn address; the smallest supported size is always possible. */
        private long granule() {
            return switch (random.nextInt(4)) {
                case 0 -> SIZE_1G;
                case 1 -> SIZE_2M;
                default -> Long.lowestOneBit(bitmap) == SIZE_4K ? SIZE_4K : SIZE_2M;
            };
        }

        /** Mostly a multiple of the smallest page size; sometimes not, to draw EINVAL. */
        private long size() {
            long size = anySize();
            long smallest = Long.lowestOneBit(bitmap);
            return random.nextInt(10) == 0 ? size : alignDown(size + smallest - 1, smallest);
        }

        private long anySize() {
            return switch (random.nextInt(10)) {
                case 0, 1, 2 -> SIZE_4K * (1 + random.nextInt(16));
                case 3, 4 -> SIZE_2M * (1 + random.nextInt(3));
                case 5 -> SIZE_1G;
                case 6 -> SIZE_1G + SIZE_2M * random.nextInt(3) + SIZE_4K * random.nextInt(3);
                case 7 -> SIZE_2M + SIZE_4K * (1 + random.nextInt(8));
                default -> SIZE_2M * (1 + random.nextInt(2)) - SIZE_4K;
            };
        }

        private int prot() {
            int draw = random.nextInt(100);
            if (draw < 3) {
                return 0;
            }
            return 1 + draw % 3; // READ, WRITE or both
        }

        private Map misaligned(Map map) {
            return switch (random.nextInt(3)) {
                case 0 -> new Map(map.iova() + 0x800, map.paddr(), map.size(), map.prot());
                case 1 -> new Map(map.iova(), map.paddr() + 0x800, map.size(), map.prot());
                default -> new Map(map.iova(), map.paddr(), map.size() + 0x800, map.prot());
            };
        }

        private static long alignDown(long value, long alignment) {
            return value & -alignment;
        }
    }
}
