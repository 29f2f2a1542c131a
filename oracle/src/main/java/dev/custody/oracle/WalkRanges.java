package dev.custody.oracle;

import dev.custody.model.Command;
import dev.custody.model.IovaSpan;
import dev.custody.ops.Draw;
import java.util.List;
import java.util.OptionalLong;

/**
 * Reshapes the ranges of the calls that take one, so a walk reaches each way the kernel checks a
 * range: page-aligned (the catalogue's own draw, small enough that ranges overlap often), misaligned
 * start or length, empty, overlapping the last range the walk used, at the top of the IOMMU's
 * aperture, and wrapping past the end of the 64-bit space. Calls without a range pass unchanged, so an
 * operation added to the catalogue is drawn with its generator's own arguments.
 */
final class WalkRanges {
    private static final long PAGE = 0x1000L;
    /** The top of QEMU's VT-d aperture (48-bit addresses), where a range of two pages crosses out of it. */
    private static final long APERTURE_END = 1L << 48;

    enum Shape {
        ALIGNED,
        MISALIGNED_START,
        MISALIGNED_LENGTH,
        EMPTY,
        OVERLAPPING,
        APERTURE_TOP,
        WRAPPING
    }

    /** Where a walk's type1 maps take their user memory from, as the original walks did. */
    private static final long USER_MEMORY = 0x10000000L;

    private final Draw draw;
    private long lastStart;
    private long lastLength = PAGE;
    private final java.util.Map<Shape, Integer> drawn = new java.util.EnumMap<>(Shape.class);

    WalkRanges(Draw draw) {
        this.draw = draw;
    }

    Command<?> shape(Command<?> command) {
        return switch (command) {
            case Command.Type1MapDma c -> {
                Range r = range(c.iova(), c.size());
                // user memory above the low addresses mmap refuses (the guest agent backs the range)
                yield new Command.Type1MapDma(c.container(), r.start, USER_MEMORY + c.vaddr(), r.length, c.flags());
            }
            case Command.Type1UnmapDma c -> {
                if (c.all()) {
                    yield c;
                }
                Range r = range(c.iova(), c.size());
                yield new Command.Type1UnmapDma(c.container(), r.start, r.length, draw.below(8) == 0);
            }
            case Command.IoasMap c -> {
                Range r = range(c.iova().orElse(0), c.length());
                yield new Command.IoasMap(
                        c.ioas(),
                        c.iova().isPresent() ? OptionalLong.of(r.start) : OptionalLong.empty(),
                        r.length,
                        c.flags());
            }
            case Command.IoasUnmap c -> {
                if (draw.below(10) == 0) {
                    // iova 0 and length ~0: the uAPI's "unmap everything"
                    yield new Command.IoasUnmap(c.ioas(), 0, -1L);
                }
                Range r = range(c.iova(), c.length());
                yield new Command.IoasUnmap(c.ioas(), r.start, r.length);
            }
            case Command.IoasAllowIovas c -> {
                Range r = range(
                        c.ranges().get(0).start(),
                        c.ranges().get(0).last() - c.ranges().get(0).start() + 1);
                IovaSpan first = new IovaSpan(r.start, r.start + r.length - 1);
                yield switch (draw.below(4)) {
                    // two spans that overlap, or a second beyond the first
                    case 0 ->
                        new Command.IoasAllowIovas(
                                c.ioas(), List.of(first, new IovaSpan(r.start + PAGE, r.start + r.length + PAGE - 1)));
                    case 1 ->
                        new Command.IoasAllowIovas(
                                c.ioas(), List.of(first, new IovaSpan(r.start + r.length, r.start + 2 * r.length - 1)));
                    default -> new Command.IoasAllowIovas(c.ioas(), List.of(first));
                };
            }
            default -> command;
        };
    }

    /** How many ranges were drawn in each shape, for the tests. */
    java.util.Map<Shape, Integer> drawn() {
        return drawn;
    }

    private record Range(long start, long length) {}

    private Range range(long start, long length) {
        int roll = draw.below(100);
        Shape shape = roll < 55 ? Shape.ALIGNED : Shape.values()[1 + (roll - 55) % (Shape.values().length - 1)];
        Range range = switch (shape) {
            case ALIGNED -> new Range(start, length);
            case MISALIGNED_START -> new Range(start + 0x800, length);
            case MISALIGNED_LENGTH -> new Range(start, length + 0x200);
            case EMPTY -> new Range(start, 0);
            case OVERLAPPING -> new Range(lastStart + PAGE * draw.below(2), lastLength + PAGE);
            case APERTURE_TOP -> new Range(APERTURE_END - PAGE, 2 * PAGE);
            case WRAPPING -> new Range(-PAGE, 2 * PAGE);
        };
        drawn.merge(shape, 1, Integer::sum);
        if (range.length > 0) {
            lastStart = range.start;
            lastLength = range.length;
        }
        return range;
    }
}
