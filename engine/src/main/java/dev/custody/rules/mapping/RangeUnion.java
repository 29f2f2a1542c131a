package dev.custody.rules.mapping;

import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IovaRange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Set algebra over inclusive ranges: union, holes and intersection, all in unsigned order. */
public final class RangeUnion {

    private RangeUnion() {}

    /** The ranges merged where they overlap or touch, ascending. */
    public static List<IovaRange> merge(Collection<IovaRange> ranges) {
        List<IovaRange> sorted = ranges.stream().sorted().toList();
        List<IovaRange> merged = new ArrayList<>();
        for (IovaRange range : sorted) {
            if (!merged.isEmpty()) {
                IovaRange previous = merged.getLast();
                boolean touches = previous.last() == Addresses.ULONG_MAX
                        || Addresses.lessOrEqual(range.start(), previous.last() + 1);
                if (touches) {
                    merged.set(
                            merged.size() - 1,
                            new IovaRange(previous.start(), Addresses.max(previous.last(), range.last())));
                    continue;
                }
            }
            merged.add(range);
        }
        return merged;
    }

    /** The parts of {@code window} that no range covers, ascending. */
    public static List<IovaRange> holes(Collection<IovaRange> used, IovaRange window) {
        List<IovaRange> holes = new ArrayList<>();
        long cursor = window.start();
        boolean cursorValid = true;
        for (IovaRange range : merge(used)) {
            if (!range.intersects(window)) {
                continue;
            }
            if (cursorValid && Addresses.lessThan(cursor, range.start())) {
                holes.add(new IovaRange(cursor, range.start() - 1));
            }
            if (range.last() == Addresses.ULONG_MAX || !Addresses.lessThan(range.last(), window.last())) {
                cursorValid = false;
                break;
            }
            cursor = Addresses.max(cursor, range.last() + 1);
        }
        if (cursorValid && Addresses.lessOrEqual(cursor, window.last())) {
            holes.add(new IovaRange(cursor, window.last()));
        }
        return holes;
    }

    /** The parts of {@code ranges} that also lie in {@code within}, ascending. */
    public static List<IovaRange> intersect(Collection<IovaRange> ranges, Collection<IovaRange> within) {
        List<IovaRange> result = new ArrayList<>();
        for (IovaRange a : merge(ranges)) {
            for (IovaRange b : merge(within)) {
                if (a.intersects(b)) {
                    result.add(new IovaRange(Addresses.max(a.start(), b.start()), Addresses.min(a.last(), b.last())));
                }
            }
        }
        return merge(result);
    }

    /** True when the union of {@code ranges} covers all of {@code target}. */
    public static boolean covers(Collection<IovaRange> ranges, IovaRange target) {
        return holes(ranges, target).isEmpty();
    }
}
