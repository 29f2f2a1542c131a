package dev.custody.sim;

import static dev.custody.sim.GuidedRanges.MSI;
import static dev.custody.sim.GuidedRanges.PAGE;
import static dev.custody.sim.GuidedRanges.TOP_PAGE;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.Type1MapFlag;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.state.OpenFile;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The guided QEMU's VFIO_IOMMU_MAP_DMA and UNMAP_DMA on its containers, with the arguments a stress
 * tester draws: each permission alone, addresses off the 2 MiB grid, unmaps of exactly the entries
 * there or of several, and for refusals size 0, no permission, wrapping ranges, the MSI window and
 * past the aperture, an entry already mapped, a bisected entry, UNMAP_FLAG_ALL with a range, and
 * fds of the wrong kind or closed.
 */
final class GuidedType1 {
    private GuidedType1() {}

    private static final long VADDR = 0x7f00_0000_0000L;

    /** READ and WRITE half the time, else one of them alone. */
    static Set<Type1MapFlag> permissions(Pick p) {
        return switch (p.random.nextInt(4)) {
            case 0 -> Set.of(Type1MapFlag.READ);
            case 1 -> Set.of(Type1MapFlag.WRITE);
            default -> GuidedCast.RW;
        };
    }

    private static Optional<Type1DmaSpace> dma(OpenFile.VfioContainer c) {
        return c.iommu();
    }

    /** A fd a type1 ioctl should not be sent to: one of the role's group fds, else a stale or foreign one. */
    private static Handle wrongFd(Pick p) {
        return p.random.nextBoolean()
                ? p.myFile(OpenFile.VfioGroupFile.class, g -> true)
                        .<Handle>map(Pick::file)
                        .orElseGet(p::wrongHandle)
                : p.wrongHandle();
    }

    /**
     * The container a refused map or unmap goes to: three times in four one with an IOMMU set, when the
     * role has one, so that the range it carries meets the checks of the type1 driver (valid ranges,
     * bisected entries, wrapping ranges) rather than the container's want of an IOMMU; else any.
     */
    private static Optional<OpenFile.VfioContainer> refusalContainer(Pick p) {
        Optional<OpenFile.VfioContainer> withIommu = p.random.nextInt(4) != 0
                ? p.myFile(OpenFile.VfioContainer.class, c -> c.iommu().isPresent())
                : Optional.empty();
        return withIommu.or(() -> p.myFile(OpenFile.VfioContainer.class, c -> true));
    }

    static GuidedAction map() {
        return new GuidedAction(
                "Type1MapDma",
                p -> p.myFile(OpenFile.VfioContainer.class, c -> c.iommu().isPresent())
                        .map(c -> {
                            Type1DmaSpace space = dma(c).orElseThrow();
                            IovaRange high = IovaRange.ofLength(GuidedNarrowJoin.PAST_39_BITS, GuidedRanges.HUGE);
                            if (p.random.nextInt(GuidedNarrowJoin.narrowGroupWaiting(p) ? 2 : 16) == 0
                                    && space.validRanges().stream().anyMatch(v -> v.contains(high))
                                    && space.firstEntryIntersecting(high).isEmpty()) {
                                // a wide container takes an entry past 2^39, mostly while the role holds
                                // a group behind a 39-bit IOMMU: that group joining it later is refused
                                // (vfio_iommu_aper_conflict)
                                return new Command.Type1MapDma(
                                        Pick.file(c), high.start(), VADDR, high.length(), permissions(p));
                            }
                            long size = GuidedRanges.length(p);
                            long iova = GuidedRanges.freeIova(
                                    p,
                                    a -> space.firstEntryIntersecting(IovaRange.ofLength(a, size))
                                            .isEmpty());
                            return new Command.Type1MapDma(Pick.file(c), iova, VADDR + iova, size, permissions(p));
                        }),
                p -> refusalContainer(p).map(c -> mapRefused(p, c)));
    }

    private static Command<?> mapRefused(Pick p, OpenFile.VfioContainer c) {
        Handle fd = Pick.file(c);
        List<DmaMapping> entries = dma(c).map(Type1DmaSpace::entries).orElse(List.of());
        switch (p.random.nextInt(9)) {
            case 0 -> {
                return new Command.Type1MapDma(fd, p.iova(), VADDR, 0, GuidedCast.RW);
            }
            case 1 -> {
                return new Command.Type1MapDma(fd, p.iova(), VADDR, PAGE, Set.of());
            }
            case 2 -> {
                // iova or vaddr wrapping past 2^64
                return p.random.nextBoolean()
                        ? new Command.Type1MapDma(fd, TOP_PAGE, VADDR, 2 * PAGE, GuidedCast.RW)
                        : new Command.Type1MapDma(fd, p.iova(), TOP_PAGE, 2 * PAGE, GuidedCast.RW);
            }
            case 3 -> {
                // the MSI window, or just past the container's narrowest aperture
                long past = dma(c).map(d -> d.validRanges().isEmpty()
                                ? 1L << 48
                                : d.validRanges().getLast().last() + 1)
                        .orElse(1L << 48);
                return new Command.Type1MapDma(fd, p.random.nextBoolean() ? MSI : past, VADDR, PAGE, GuidedCast.RW);
            }
            case 4 -> {
                if (!entries.isEmpty()) {
                    DmaMapping entry = p.one(entries).orElseThrow();
                    return new Command.Type1MapDma(fd, entry.iova(), VADDR, entry.size(), GuidedCast.RW);
                }
            }
            case 5 -> {
                return new Command.Type1MapDma(wrongFd(p), p.iova(), VADDR, PAGE, GuidedCast.RW);
            }
            default -> {}
        }
        return new Command.Type1MapDma(
                fd,
                p.random.nextBoolean() ? p.misaligned() : 0,
                VADDR,
                p.random.nextBoolean() ? p.misaligned() : 0x1000,
                p.random.nextInt(4) == 0 ? Set.of() : GuidedCast.RW);
    }

    static GuidedAction unmap() {
        return new GuidedAction(
                "Type1UnmapDma",
                p -> p.myFile(OpenFile.VfioContainer.class, c -> c.iommu().isPresent())
                        .map(c -> unmapAimed(p, c)),
                p -> refusalContainer(p).map(c -> unmapRefused(p, c)));
    }

    /** Everything, exactly one entry, or from one entry's start to a later one's end. */
    private static Command<?> unmapAimed(Pick p, OpenFile.VfioContainer c) {
        List<DmaMapping> entries = dma(c).orElseThrow().entries();
        if (entries.isEmpty() || p.random.nextInt(4) == 0) {
            return p.random.nextBoolean()
                    ? new Command.Type1UnmapDma(Pick.file(c), 0, 0, true)
                    : new Command.Type1UnmapDma(Pick.file(c), p.iova(), GuidedRanges.HUGE, false);
        }
        int[] ij = GuidedRanges.twoIndices(p, entries.size());
        DmaMapping first = entries.get(ij[0]);
        DmaMapping last = p.random.nextBoolean() ? first : entries.get(ij[1]);
        return new Command.Type1UnmapDma(Pick.file(c), first.iova(), last.iova() + last.size() - first.iova(), false);
    }

    /**
     * Part of an entry (v2 refuses a bisection; v1 answers 0 when the range starts inside one),
     * UNMAP_FLAG_ALL with a range, size 0 or misaligned, a wrapping range, a misaligned iova, a wrong fd.
     */
    private static Command<?> unmapRefused(Pick p, OpenFile.VfioContainer c) {
        Handle fd = Pick.file(c);
        List<DmaMapping> entries = dma(c).map(Type1DmaSpace::entries).orElse(List.of());
        switch (p.random.nextInt(8)) {
            case 0, 1 -> {
                Optional<DmaMapping> entry =
                        p.one(entries.stream().filter(e -> e.size() > PAGE).toList());
                if (entry.isPresent()) {
                    DmaMapping e = entry.get();
                    // the end inside the entry, the start inside it, or the start below it and the end inside
                    return switch (p.random.nextInt(3)) {
                        case 0 -> new Command.Type1UnmapDma(fd, e.iova(), e.size() - PAGE, false);
                        case 1 -> new Command.Type1UnmapDma(fd, e.iova() + PAGE, e.size(), false);
                        default -> new Command.Type1UnmapDma(fd, e.iova() - PAGE, e.size(), false);
                    };
                }
            }
            case 2 -> {
                return p.random.nextBoolean()
                        ? new Command.Type1UnmapDma(fd, PAGE, 0, true)
                        : new Command.Type1UnmapDma(fd, 0, PAGE, true);
            }
            case 3 -> {
                return new Command.Type1UnmapDma(fd, p.iova(), p.random.nextBoolean() ? 0 : 0x123, false);
            }
            case 4 -> {
                return new Command.Type1UnmapDma(fd, TOP_PAGE, 2 * PAGE, false);
            }
            case 5 -> {
                return new Command.Type1UnmapDma(wrongFd(p), 0, 0, true);
            }
            default -> {}
        }
        return new Command.Type1UnmapDma(fd, p.misaligned(), 0x1000, p.random.nextBoolean());
    }
}
