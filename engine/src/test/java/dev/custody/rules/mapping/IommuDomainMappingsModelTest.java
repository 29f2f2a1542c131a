package dev.custody.rules.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.mapping.Prot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Drives {@link IommuDomainMappings} with seeded random operations and compares every answer with a
 * deliberately naive reference: a map from 4K page number to the leaf that holds it. The table holds
 * runs of leaves split and merged arithmetically; the reference holds pages, so every map, unmap,
 * iova_to_phys, EEXIST, unmapped byte count, leaf list, leaf count and checksum is checked against a
 * leaf-by-leaf answer, and the runs against their canonical form.
 */
class IommuDomainMappingsModelTest {

    static final long PAGE = 0x1000;
    static final long BITMAP = 0x1000 | 0x4000 | 0x1_0000; // 4K | 16K | 64K keeps the space small
    static final int WIDTH = 24;
    static final int SEEDS = 200;
    static final int OPS = 300;

    /** One 4K page of the reference: which leaf holds it and what it translates to. */
    record PageEntry(long leafIova, long leafSize, long leafPaddr, Prot prot) {}

    /** The reference page table. */
    static final class Reference {
        final TreeMap<Long, PageEntry> pages = new TreeMap<>();

        Outcome<Long> map(long iova, long paddr, long size, Prot prot) {
            if (((iova | paddr | size) % PAGE) != 0) {
                return Outcome.fail(Errno.EINVAL, "");
            }
            if (size == 0) {
                return Outcome.ok(0L);
            }
            if (prot.none()) {
                return Outcome.fail(Errno.EINVAL, "");
            }
            boolean physicalWraps = Long.compareUnsigned(paddr + size - 1, paddr) < 0;
            boolean pastWidth = Long.compareUnsigned(iova, 1L << WIDTH) >= 0 || size > (1L << WIDTH) - iova;
            if (physicalWraps || pastWidth) {
                return Outcome.fail(Errno.EINVAL, "");
            }
            for (long at = iova; at < iova + size; at += PAGE) {
                if (pages.containsKey(at / PAGE)) {
                    return Outcome.fail(Errno.EEXIST, "");
                }
            }
            long position = iova;
            long physical = paddr;
            while (position < iova + size) {
                long leaf = PAGE;
                for (long candidate : new long[] {0x1_0000, 0x4000}) {
                    if (position % candidate == 0 && physical % candidate == 0 && position + candidate <= iova + size) {
                        leaf = candidate;
                        break;
                    }
                }
                for (long at = position; at < position + leaf; at += PAGE) {
                    pages.put(at / PAGE, new PageEntry(position, leaf, physical, prot));
                }
                position += leaf;
                physical += leaf;
            }
            return Outcome.ok(size);
        }

        long unmap(long iova, long size) {
            if ((iova % PAGE) != 0 || (size % PAGE) != 0) {
                return 0;
            }
            long position = iova;
            long unmapped = 0;
            while (unmapped < size) {
                PageEntry entry = pages.get(position / PAGE);
                if (entry == null) {
                    break;
                }
                for (long at = entry.leafIova(); at < entry.leafIova() + entry.leafSize(); at += PAGE) {
                    pages.remove(at / PAGE);
                }
                unmapped += entry.leafSize();
                position += entry.leafSize();
            }
            return unmapped;
        }

        long iovaToPhys(long iova) {
            PageEntry entry = iova >= 0 ? pages.get(iova / PAGE) : null;
            return entry == null ? 0 : entry.leafPaddr() + (iova - entry.leafIova());
        }

        List<Mapping> leaves() {
            Set<Mapping> leaves = new LinkedHashSet<>();
            pages.values().forEach(e -> leaves.add(new Mapping(e.leafIova(), e.leafPaddr(), e.leafSize(), e.prot())));
            return new ArrayList<>(leaves);
        }
    }

    @Test
    void randomOperationsAgreeWithThePageReference() {
        for (long seed = 1; seed <= SEEDS; seed++) {
            Random random = new Random(seed);
            IommuDomainMappings model = IommuDomainMappings.empty(BITMAP, WIDTH);
            Reference reference = new Reference();
            for (int op = 0; op < OPS; op++) {
                String where = "seed " + seed + " op " + op;
                int kind = random.nextInt(10);
                if (kind < 5) {
                    long iova = address(random);
                    long paddr = random.nextBoolean() ? iova + 0x10_0000 : address(random);
                    long size = size(random);
                    Prot prot = random.nextInt(20) == 0
                            ? new Prot(false, false)
                            : Prot.parse(random.nextBoolean() ? "r" : "rw");
                    MappingStep<IommuDomainMappings, Mapping, Long> step =
                            DomainMapRules.map(model, iova, paddr, size, prot);
                    Outcome<Long> expected = reference.map(iova, paddr, size, prot);
                    assertEquals(expected.resultName(), step.outcome().resultName(), where + " map");
                    if (expected.isOk()) {
                        assertEquals(expected, step.outcome(), where + " map");
                    }
                    assertEquals(
                            step.state(),
                            model.withoutLeaves(step.removed()).withLeaves(step.added()),
                            where + " map effect");
                    model = step.state();
                } else if (kind < 8) {
                    long iova = address(random);
                    long size = size(random);
                    MappingStep<IommuDomainMappings, Mapping, Long> step = DomainMapRules.unmap(model, iova, size);
                    assertEquals(reference.unmap(iova, size), step.value(), where + " unmap");
                    assertEquals(
                            step.state(),
                            model.withoutLeaves(step.removed()).withLeaves(step.added()),
                            where + " unmap effect");
                    model = step.state();
                } else {
                    long probe = address(random) + random.nextInt((int) PAGE);
                    assertEquals(reference.iovaToPhys(probe), model.iovaToPhys(probe), where + " iova_to_phys");
                }
                assertEquals(reference.leaves(), model.leaves().toList(), where + " leaves");
                assertEquals(reference.leaves().size(), model.leafCount(), where + " leaf count");
                assertEquals(checksumLeafByLeaf(reference.leaves()), model.checksum(), where + " checksum");
                assertCanonical(model.runs(), where);
            }
            assertEquals(model, rebuiltLeafByLeaf(model, random), "seed " + seed + " rebuilt");
        }
    }

    /**
     * The split of one map into runs is iommu_pgsize()'s leaf-by-leaf split, for random page-size bitmaps
     * (4K always, then any of 8K..1G), addresses that share or do not share their alignment, and lengths
     * up to 4,096 smallest pages; never more than two runs per page size.
     */
    @Test
    void theSplitIntoRunsIsTheLeafByLeafSplit() {
        for (long seed = 1; seed <= 2_000; seed++) {
            Random random = new Random(seed);
            long bitmap = PAGE | (random.nextLong() & 0x7_ffff_e000L);
            long iova = PAGE * random.nextInt(1 << 20);
            long paddr = random.nextBoolean() ? iova + (PAGE << random.nextInt(20)) : PAGE * random.nextInt(1 << 20);
            long size = PAGE * (1 + random.nextInt(4096));
            List<Mapping> runs = DomainMapRules.splitIntoRuns(bitmap, iova, paddr, size, Prot.READ);
            List<Mapping> leaves = new ArrayList<>();
            runs.forEach(run -> leaves.addAll(run.leaves()));
            String where = "seed " + seed + " bitmap " + Long.toHexString(bitmap);
            assertEquals(leafByLeaf(bitmap, iova, paddr, size), leaves, where);
            assertTrue(runs.size() <= 2 * Long.bitCount(bitmap), where + ": " + runs);
        }
    }

    /** __iommu_map's loop as the kernel writes it: one iommu_pgsize() pick per leaf. */
    private static List<Mapping> leafByLeaf(long bitmap, long iova, long paddr, long size) {
        List<Mapping> leaves = new ArrayList<>();
        while (size != 0) {
            long allowed = bitmap & ((Long.lowestOneBit(iova | paddr) << 1) - 1);
            long page = Long.highestOneBit(allowed & ((Long.highestOneBit(size) << 1) - 1));
            leaves.add(new Mapping(iova, paddr, page, Prot.READ));
            iova += page;
            paddr += page;
            size -= page;
        }
        return leaves;
    }

    /** No two neighbouring runs continue each other: the runs are as long as they can be. */
    private static void assertCanonical(List<Mapping> runs, String where) {
        for (int n = 1; n < runs.size(); n++) {
            assertFalse(runs.get(n - 1).isContinuedBy(runs.get(n)), where + ": " + runs.get(n - 1) + " " + runs.get(n));
        }
    }

    /** The table's leaves put in one at a time in a shuffled order: the same table, however it was built. */
    private static IommuDomainMappings rebuiltLeafByLeaf(IommuDomainMappings model, Random random) {
        List<Mapping> leaves = new ArrayList<>(model.leaves().toList());
        Collections.shuffle(leaves, random);
        IommuDomainMappings rebuilt = IommuDomainMappings.empty(BITMAP, WIDTH);
        for (Mapping leaf : leaves) {
            rebuilt = rebuilt.withLeaves(List.of(leaf));
        }
        assertEquals(model.hashCode(), rebuilt.hashCode());
        return rebuilt;
    }

    /** The documented checksum, leaf by leaf (IommuDomainMappings computes it run by run). */
    private static long checksumLeafByLeaf(List<Mapping> leaves) {
        long h = 17;
        for (Mapping leaf : leaves) {
            h = 31 * h + leaf.iova();
            h = 31 * h + leaf.paddr();
            h = 31 * h + leaf.size();
            h = 31 * h + leaf.prot().bits();
        }
        return h;
    }

    /** Mostly 4K-aligned addresses below 2^24, sometimes misaligned, past the width or at the top of u64. */
    static long address(Random random) {
        return switch (random.nextInt(20)) {
            case 0 -> 0x800 + PAGE * random.nextInt(4096);
            case 1 -> (1L << WIDTH) - PAGE * random.nextInt(4);
            case 2 -> 0xffff_ffff_ffff_f000L;
            default -> PAGE * random.nextInt(4096);
        };
    }

    static long size(Random random) {
        return switch (random.nextInt(20)) {
            case 0 -> 0;
            case 1 -> 0x800;
            default -> PAGE * (1 + random.nextInt(random.nextBoolean() ? 4 : 40));
        };
    }
}
