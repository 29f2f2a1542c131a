package dev.custody.rules.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.mapping.Type1Version;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Drives {@link Type1DmaSpace} (v1 and v2) with seeded random operations and compares every answer
 * with a naive reference: a map from 4K page number to the vfio_dma entry covering it.
 */
class Type1DmaSpaceModelTest {

    static final long PAGE = 0x1000;
    static final long MIB = 0x10_0000;
    static final int LIMIT = 12;
    static final List<IovaRange> VALID = List.of(new IovaRange(0, 8 * MIB - 1), new IovaRange(9 * MIB, 16 * MIB - 1));
    static final long[] SEEDS = {
        7, 11, 19, 23, 42, 99, 123, 256, 311, 404, 512, 777, 1000, 1234, 2024, 3141, 4242, 5000, 8080, 9999
    };
    static final int OPS = 500;

    record Entry(long iova, long vaddr, long size) {}

    static final class Reference {
        final boolean v2;
        final TreeMap<Long, Entry> pages = new TreeMap<>();
        final List<Entry> entries = new ArrayList<>();

        Reference(boolean v2) {
            this.v2 = v2;
        }

        Outcome<Long> map(long iova, long vaddr, long size, boolean read, boolean write) {
            if (!read && !write || size == 0 || (iova | vaddr | size) % PAGE != 0) {
                return Outcome.fail(Errno.EINVAL, "");
            }
            if (Long.compareUnsigned(iova + size - 1, iova) < 0 || Long.compareUnsigned(vaddr + size - 1, vaddr) < 0) {
                return Outcome.fail(Errno.EINVAL, "");
            }
            for (long page = iova / PAGE; page <= (iova + size - 1) / PAGE; page++) {
                if (pages.containsKey(page)) {
                    return Outcome.fail(Errno.EEXIST, "");
                }
            }
            if (entries.size() >= LIMIT) {
                return Outcome.fail(Errno.ENOSPC, "");
            }
            boolean inside = VALID.stream().anyMatch(r -> r.start() <= iova && iova + size - 1 <= r.last());
            if (!inside) {
                return Outcome.fail(Errno.EINVAL, "");
            }
            Entry entry = new Entry(iova, vaddr, size);
            entries.add(entry);
            for (long page = iova / PAGE; page <= (iova + size - 1) / PAGE; page++) {
                pages.put(page, entry);
            }
            return Outcome.ok(size);
        }

        Outcome<Long> unmap(long iova, long size) {
            if (iova % PAGE != 0 || size == 0 || size % PAGE != 0 || Long.compareUnsigned(iova + size - 1, iova) < 0) {
                return Outcome.fail(Errno.EINVAL, "");
            }
            long first = iova / PAGE;
            long last = (iova + size - 1) / PAGE;
            if (v2) {
                Entry atFirst = pages.get(first);
                Entry atLast = pages.get(last);
                if (atFirst != null && atFirst.iova() != iova
                        || atLast != null && atLast.iova() + atLast.size() != iova + size) {
                    return Outcome.fail(Errno.EINVAL, "");
                }
            } else {
                for (long page = first; page <= last; page++) {
                    Entry entry = pages.get(page);
                    if (entry != null) {
                        if (entry.iova() < iova) {
                            return Outcome.ok(0L);
                        }
                        break;
                    }
                }
            }
            long removed = 0;
            for (Entry entry : new ArrayList<>(entries)) {
                if (entry.iova() >= iova && entry.iova() <= iova + size - 1) {
                    entries.remove(entry);
                    for (long page = entry.iova() / PAGE; page <= (entry.iova() + entry.size() - 1) / PAGE; page++) {
                        pages.remove(page);
                    }
                    removed += entry.size();
                }
            }
            return Outcome.ok(removed);
        }

        OptionalLong translate(long iova) {
            Entry entry = pages.get(iova / PAGE);
            return entry == null ? OptionalLong.empty() : OptionalLong.of(entry.vaddr() + iova - entry.iova());
        }

        List<Long> starts() {
            return entries.stream().map(Entry::iova).sorted().toList();
        }
    }

    @Test
    void v1AgreesWithThePageReference() {
        run(Type1Version.V1);
    }

    @Test
    void v2AgreesWithThePageReference() {
        run(Type1Version.V2);
    }

    private static void run(Type1Version version) {
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            Type1DmaSpace model =
                    Type1DmaSpace.empty(version).withEntryLimit(LIMIT).withValidRanges(VALID);
            Reference reference = new Reference(version == Type1Version.V2);
            for (int op = 0; op < OPS; op++) {
                String where = version + " seed " + seed + " op " + op;
                int kind = random.nextInt(10);
                if (kind < 5) {
                    long iova = address(random);
                    long vaddr = random.nextInt(10) == 0 ? 0xffff_ffff_ffff_f000L : 0x7f00_0000_0000L + address(random);
                    long size = size(random);
                    boolean read = random.nextInt(10) != 0;
                    boolean write = random.nextBoolean();
                    MappingStep<Type1DmaSpace, DmaMapping, Long> step =
                            Type1DmaRules.map(model, iova, vaddr, size, read, write);
                    Outcome<Long> expected = reference.map(iova, vaddr, size, read, write);
                    assertEquals(expected, normalised(step.outcome()), where + " map");
                    assertEquals(
                            step.state(),
                            model.withoutEntries(step.removed()).withEntries(step.added()),
                            where + " map effect");
                    model = step.state();
                } else if (kind < 8) {
                    long iova = address(random);
                    long size = random.nextInt(30) == 0 ? 0xffff_ffff_ffff_f000L : size(random);
                    MappingStep<Type1DmaSpace, DmaMapping, Long> step = Type1DmaRules.unmap(model, iova, size, false);
                    assertEquals(reference.unmap(iova, size), normalised(step.outcome()), where + " unmap");
                    assertEquals(
                            step.state(),
                            model.withoutEntries(step.removed()).withEntries(step.added()),
                            where + " unmap effect");
                    model = step.state();
                } else {
                    long probe = address(random) + random.nextInt((int) PAGE);
                    if (probe >= 0) {
                        assertEquals(reference.translate(probe), model.translate(probe), where + " translate");
                    }
                }
                assertEquals(
                        reference.starts(),
                        model.entries().stream().map(DmaMapping::iova).toList(),
                        where + " entries");
            }
        }
    }

    /** Failures compared by errno only: the reference does not write reasons. */
    static Outcome<Long> normalised(Outcome<Long> outcome) {
        return outcome instanceof Outcome.Failed<Long> failed ? Outcome.fail(failed.errno(), "") : outcome;
    }

    static long address(Random random) {
        return switch (random.nextInt(20)) {
            case 0 -> 0x800 + PAGE * random.nextInt(4096);
            case 1 -> 0xffff_ffff_ffff_e000L;
            default -> PAGE * random.nextInt(4096);
        };
    }

    static long size(Random random) {
        return switch (random.nextInt(20)) {
            case 0 -> 0;
            case 1 -> 0x800;
            default -> PAGE * (1 + random.nextInt(random.nextBoolean() ? 4 : 64));
        };
    }
}
