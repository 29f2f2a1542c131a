package dev.custody.rules.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IovaRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Drives {@link IoasSpace} with seeded random operations inside a 4 MiB window (everything above is
 * reserved by an "aperture" owner) and compares every answer with a naive page-by-page reference whose
 * automatic placement tries every aligned candidate from the bottom and whose unmap removes contained
 * areas in ascending order until the first one the range cuts.
 */
class IoasSpaceModelTest {

    static final long PAGE = 0x1000;
    static final int PAGES = 1024;
    static final long WINDOW_END = PAGES * PAGE;
    static final String[] OWNERS = {"dev-a", "dev-b", "dom"};
    static final long[] SEEDS = {
        3, 14, 15, 92, 65, 35, 89, 79, 323, 846, 264, 338, 327, 950, 288, 419, 716, 939, 937, 510
    };
    static final int OPS = 500;

    record Span(long start, long last) {
        boolean intersects(Span other) {
            return start <= other.last && other.start <= last;
        }

        boolean contains(Span other) {
            return start <= other.start && other.last <= last;
        }
    }

    static final class Reference {
        final List<Span> areas = new ArrayList<>();
        final Map<String, List<Span>> reserved = new TreeMap<>();
        List<Span> allowed = List.of();
        long alignment = 1;

        boolean reservedPage(long page) {
            Span span = new Span(page * PAGE, page * PAGE + PAGE - 1);
            return reserved.values().stream().flatMap(List::stream).anyMatch(span::intersects);
        }

        boolean areaPage(long page) {
            Span span = new Span(page * PAGE, page * PAGE + PAGE - 1);
            return areas.stream().anyMatch(span::intersects);
        }

        boolean allowedPage(long page) {
            Span span = new Span(page * PAGE, page * PAGE + PAGE - 1);
            return allowed.stream().anyMatch(a -> a.contains(span));
        }

        Outcome<Long> mapFixed(long iova, long length) {
            if (length == 0 || length % alignment != 0 || iova % alignment != 0) {
                return Outcome.fail(Errno.EINVAL, "");
            }
            Span wanted = new Span(iova, iova + length - 1);
            if (reserved.values().stream().flatMap(List::stream).anyMatch(wanted::intersects)) {
                return Outcome.fail(Errno.EINVAL, "");
            }
            if (areas.stream().anyMatch(wanted::intersects)) {
                return Outcome.fail(Errno.EEXIST, "");
            }
            // the allowed list plays no part in a fixed map
            areas.add(wanted);
            return Outcome.ok(iova);
        }

        Outcome<Long> mapAuto(long length) {
            if (length == 0 || length % alignment != 0) {
                return Outcome.fail(Errno.EINVAL, "");
            }
            long align = Math.max(Long.highestOneBit(length - 1) << 1, alignment);
            align = Math.max(align, 1);
            long first = (PAGE + align - 1) / align * align;
            for (long candidate = first; candidate + length <= WINDOW_END; candidate += align) {
                boolean free = true;
                for (long page = candidate / PAGE; page <= (candidate + length - 1) / PAGE && free; page++) {
                    free = !reservedPage(page) && !areaPage(page) && (allowed.isEmpty() || allowedPage(page));
                }
                if (free) {
                    areas.add(new Span(candidate, candidate + length - 1));
                    return Outcome.ok(candidate);
                }
            }
            return Outcome.fail(Errno.ENOSPC, "");
        }

        Outcome<Long> unmap(long iova, long length, boolean compat) {
            if (length == 0) {
                return Outcome.fail(Errno.EINVAL, "");
            }
            return removeLowestFirst(new Span(iova, iova + length - 1), compat);
        }

        /** Everything goes, and an empty space is fine. */
        Outcome<Long> unmapAll() {
            long total = areas.stream().mapToLong(a -> a.last() - a.start() + 1).sum();
            areas.clear();
            return Outcome.ok(total);
        }

        /** Removes contained areas in ascending order; the first cut one stops with ENOENT, keeping the removals. */
        Outcome<Long> removeLowestFirst(Span request, boolean emptyIsSuccess) {
            List<Span> touched = areas.stream()
                    .filter(request::intersects)
                    .sorted((a, b) -> Long.compare(a.start(), b.start()))
                    .toList();
            long removed = 0;
            for (Span area : touched) {
                if (!request.contains(area)) {
                    return Outcome.fail(Errno.ENOENT, "");
                }
                areas.remove(area);
                removed += area.last() - area.start() + 1;
            }
            if (removed == 0 && !emptyIsSuccess) {
                return Outcome.fail(Errno.ENOENT, "");
            }
            return Outcome.ok(removed);
        }

        Outcome<Integer> allow(List<RequestedRange> requested) {
            List<Span> spans = new ArrayList<>();
            for (RequestedRange r : requested) {
                if (r.start() >= r.last()) {
                    return Outcome.fail(Errno.EINVAL, "");
                }
                Span span = new Span(r.start(), r.last());
                if (spans.stream().anyMatch(span::intersects)) {
                    return Outcome.fail(Errno.EINVAL, "");
                }
                spans.add(span);
            }
            if (spans.stream()
                    .anyMatch(s ->
                            reserved.values().stream().flatMap(List::stream).anyMatch(s::intersects))) {
                return Outcome.fail(Errno.EADDRINUSE, "");
            }
            allowed = spans;
            return Outcome.ok(spans.size());
        }

        Outcome<Integer> reserve(String owner, Span span) {
            if (areas.stream().anyMatch(span::intersects) || allowed.stream().anyMatch(span::intersects)) {
                return Outcome.fail(Errno.EADDRINUSE, "");
            }
            reserved.computeIfAbsent(owner, o -> new ArrayList<>()).add(span);
            return Outcome.ok(1);
        }

        Outcome<Long> align(long newAlignment) {
            if (areas.stream()
                    .anyMatch(a -> a.start() % newAlignment != 0 || (a.last() + 1 - a.start()) % newAlignment != 0)) {
                return Outcome.fail(Errno.EADDRINUSE, "");
            }
            alignment = newAlignment;
            return Outcome.ok(newAlignment);
        }

        /** Runs of unreserved pages below the window end; the range above is reserved by the aperture. */
        List<IovaRange> usable() {
            List<IovaRange> runs = new ArrayList<>();
            long runStart = -1;
            for (long page = 0; page <= PAGES; page++) {
                boolean usable = page < PAGES && !reservedPage(page);
                if (usable && runStart < 0) {
                    runStart = page;
                } else if (!usable && runStart >= 0) {
                    runs.add(new IovaRange(runStart * PAGE, page * PAGE - 1));
                    runStart = -1;
                }
            }
            return runs;
        }

        List<Long> areaStarts() {
            return areas.stream().map(Span::start).sorted().toList();
        }
    }

    @Test
    void randomOperationsAgreeWithThePageReference() {
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            IoasSpace model = IoasSpaceRules.addReserved(
                            IoasSpace.empty(), "aperture", List.of(new IovaRange(WINDOW_END, Addresses.ULONG_MAX)))
                    .state();
            Reference reference = new Reference();
            for (int op = 0; op < OPS; op++) {
                String where = "seed " + seed + " op " + op;
                int kind = random.nextInt(21);
                String what;
                Outcome<?> expected;
                MappingStep<IoasSpace, IoasArea, ?> step;
                if (kind < 5) {
                    long iova = PAGE * random.nextInt(PAGES);
                    long length = PAGE * (random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(16));
                    length = Math.min(length, WINDOW_END - iova);
                    what = "map fixed " + Long.toHexString(iova) + "+" + Long.toHexString(length);
                    step = IoasSpaceRules.map(model, OptionalLong.of(iova), length, true, random.nextBoolean());
                    expected = reference.mapFixed(iova, length);
                } else if (kind < 9) {
                    long length = PAGE * (1 + random.nextInt(random.nextBoolean() ? 4 : 40));
                    what = "map auto +" + Long.toHexString(length);
                    step = IoasSpaceRules.map(model, OptionalLong.empty(), length, random.nextBoolean(), true);
                    expected = reference.mapAuto(length);
                } else if (kind < 13) {
                    long iova = PAGE * random.nextInt(PAGES);
                    long length = Math.min(PAGE * random.nextInt(48), WINDOW_END - iova);
                    boolean compat = random.nextBoolean();
                    what = (compat ? "unmap compat " : "unmap ") + Long.toHexString(iova) + "+"
                            + Long.toHexString(length);
                    step = compat
                            ? IoasSpaceRules.unmapCompat(model, iova, length)
                            : IoasSpaceRules.unmap(model, iova, length);
                    expected = reference.unmap(iova, length, compat);
                } else if (kind < 15) {
                    List<RequestedRange> requested = new ArrayList<>();
                    int count = random.nextInt(4);
                    for (int i = 0; i < count; i++) {
                        long start = PAGE * random.nextInt(PAGES);
                        long last = random.nextInt(10) == 0
                                ? start
                                : Math.min(start + PAGE * (1 + random.nextInt(128)), WINDOW_END) - 1;
                        requested.add(new RequestedRange(start, last));
                    }
                    what = "allow " + requested;
                    step = IoasSpaceRules.allowIovas(model, requested);
                    expected = reference.allow(requested);
                } else if (kind < 17) {
                    String owner = OWNERS[random.nextInt(OWNERS.length)];
                    long start = PAGE * random.nextInt(PAGES);
                    long last = Math.min(start + PAGE * (1 + random.nextInt(8)), WINDOW_END) - 1;
                    what = "reserve " + owner;
                    step = IoasSpaceRules.addReserved(model, owner, List.of(new IovaRange(start, last)));
                    expected = reference.reserve(owner, new Span(start, last));
                } else if (kind < 18) {
                    String owner = OWNERS[random.nextInt(OWNERS.length)];
                    what = "unreserve " + owner;
                    List<Span> dropped = reference.reserved.remove(owner);
                    step = IoasSpaceRules.removeReserved(model, owner);
                    expected = Outcome.ok(dropped == null ? 0 : dropped.size());
                } else if (kind < 20) {
                    long alignment = new long[] {1, PAGE, 4 * PAGE}[random.nextInt(3)];
                    what = "align " + alignment;
                    step = IoasSpaceRules.setIovaAlignment(model, alignment);
                    expected = reference.align(alignment);
                } else {
                    boolean compat = random.nextBoolean();
                    what = compat ? "unmap compat UNMAP_FLAG_ALL" : "unmap 0+U64_MAX";
                    step = compat
                            ? IoasSpaceRules.unmapCompat(model, IoasSpaceRules.COMPAT_UNMAP_FLAG_ALL, 0, 0)
                            : IoasSpaceRules.unmap(model, 0, Addresses.ULONG_MAX);
                    expected = reference.unmapAll();
                }
                assertEquals(expected.resultName(), step.outcome().resultName(), where + " " + what);
                if (expected.isOk()) {
                    assertEquals(expected, step.outcome(), where + " " + what);
                }
                if (!expected.isOk() && !what.startsWith("unmap")) {
                    assertSame(model, step.state(), where + " a failed " + what + " must keep the state");
                }
                // the areas the step reports are all that changed: what an event carries suffices to apply it
                assertEquals(
                        step.state().areas(),
                        model.withoutAreas(step.removed())
                                .withAreas(step.added())
                                .areas(),
                        where + " effect of " + what);
                model = step.state();
                assertEquals(
                        reference.areaStarts(),
                        model.areas().stream().map(IoasArea::iova).toList(),
                        where + " areas after " + what);
                assertEquals(
                        reference.usable(), IoasSpaceRules.iovaRanges(model), where + " iova ranges after " + what);
            }
        }
    }
}
