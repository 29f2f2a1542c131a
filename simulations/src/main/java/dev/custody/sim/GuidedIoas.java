package dev.custody.sim;

import static dev.custody.sim.GuidedRanges.GIGA;
import static dev.custody.sim.GuidedRanges.HUGE;
import static dev.custody.sim.GuidedRanges.MSI;
import static dev.custody.sim.GuidedRanges.MSI_LENGTH;
import static dev.custody.sim.GuidedRanges.PAGE;
import static dev.custody.sim.GuidedRanges.TOP_PAGE;
import static dev.custody.sim.GuidedRanges.ULONG_MAX;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.IovaSpan;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The guided VMM's calls on an IOAS (IOMMU_IOAS_MAP, _UNMAP, _IOVA_RANGES, _ALLOW_IOVAS) and on the
 * IOAS behind /dev/iommu's VFIO compat (MAP_DMA, UNMAP_DMA), with the arguments a stress tester
 * draws: each permission alone, FIXED_IOVA with and without an address, areas the IOAS accepts now
 * but a domain or device joining later refuses (a sub-page area, the MSI window, past a 39-bit
 * aperture), areas right after another one, unmaps of exactly the areas there, of part of one, of
 * several with the last one cut, allowed lists that exclude what is mapped, and every kind of wrong
 * IOAS name. A quarter of the maps
 * it aims at success, and some of its refusals, pass the flags as the uapi word ({@link GuidedFlagWords}).
 */
final class GuidedIoas {
    private GuidedIoas() {}

    private static Optional<Pick.Owned<IommufdObject.Ioas>> ioas(Pick p) {
        return p.one(p.myObjects(IommufdObject.Ioas.class, i -> true));
    }

    private static boolean free(IoasSpace space, long iova, long length) {
        return space.areasIntersecting(IovaRange.ofLength(iova, length)).isEmpty()
                && space.allReserved().stream().noneMatch(IovaRange.ofLength(iova, length)::intersects);
    }

    /** READABLE and WRITEABLE half the time, else one of them alone. */
    private static Set<IoasMapFlag> permissions(Pick p) {
        return switch (p.random.nextInt(4)) {
            case 0 -> Set.of(IoasMapFlag.READABLE);
            case 1 -> Set.of(IoasMapFlag.WRITEABLE);
            default -> GuidedCast.IOAS_RW;
        };
    }

    private static Set<IoasMapFlag> fixed(Set<IoasMapFlag> flags) {
        EnumSet<IoasMapFlag> with = EnumSet.of(IoasMapFlag.FIXED_IOVA);
        with.addAll(flags);
        return with;
    }

    static GuidedAction map() {
        return new GuidedAction(
                "IoasMap", p -> ioas(p).map(i -> mapAimed(p, i)), p -> ioas(p).map(i -> mapRefused(p, i)));
    }

    private static Command<?> mapAimed(Pick p, Pick.Owned<IommufdObject.Ioas> i) {
        IoasSpace space = i.object().space();
        Handle h = i.handle();
        Set<IoasMapFlag> flags = permissions(p);
        boolean unreserved = space.allReserved().isEmpty();
        // an IOAS no device or domain has joined yet gets the areas a later join refuses a third of the time
        switch (p.random.nextInt(unreserved ? 6 : 12)) {
            case 0 -> {
                // no domain aligns the IOAS yet: a sub-page area (at an address off the page or with a
                // length past a page) is legal, and refuses a domain later
                long offset = p.random.nextBoolean() ? 0x123 : 0;
                long iova = GuidedRanges.freeIova(p, a -> free(space, a + offset, 0x1123)) + offset;
                if (space.iovaAlignment() == 1 && free(space, iova, 0x1123)) {
                    return new Command.IoasMap(h, OptionalLong.of(iova), 0x1123, fixed(flags));
                }
            }
            case 1 -> {
                // nothing reserves the MSI window or the top of a 39-bit aperture yet: a device or a
                // domain of the narrow IOMMU joining later finds an area in its reserved range
                long iova = p.random.nextBoolean() ? MSI : 1L << 39;
                if (unreserved && free(space, iova, MSI_LENGTH)) {
                    return new Command.IoasMap(h, OptionalLong.of(iova), MSI_LENGTH, fixed(flags));
                }
            }
            case 2 -> {
                // FIXED_IOVA with no address: the iova field is 0
                if (free(space, 0, HUGE)) {
                    return new Command.IoasMap(h, OptionalLong.empty(), HUGE, fixed(flags));
                }
            }
            case 3 -> {
                return new Command.IoasMap(h, OptionalLong.empty(), GIGA, flags);
            }
            case 4 -> {
                // right after an area: the two stay apart in the IOAS, and a copy or an unmap may
                // take pages of both
                Optional<IoasArea> before = p.one(space.areas());
                long length = GuidedRanges.length(p);
                if (before.isPresent()) {
                    long iova = before.get().iova() + before.get().length();
                    boolean fits = iova != 0 && Long.compareUnsigned(iova + length - 1, iova) > 0;
                    if (fits && free(space, iova, length) && (iova & (space.iovaAlignment() - 1)) == 0) {
                        return new Command.IoasMap(h, OptionalLong.of(iova), length, fixed(flags));
                    }
                }
            }
            default -> {}
        }
        long length = GuidedRanges.length(p);
        if (p.random.nextInt(4) == 0) {
            return rawAimed(p, space, h, length);
        }
        if (p.random.nextBoolean()) {
            return new Command.IoasMap(h, OptionalLong.empty(), length, flags);
        }
        long iova = GuidedRanges.freeIova(p, a -> free(space, a, length));
        return new Command.IoasMap(h, OptionalLong.of(iova), length, p.random.nextBoolean() ? fixed(flags) : flags);
    }

    /**
     * The uapi form with a word the kernel accepts: FIXED_IOVA at a free address, or an iova field
     * without FIXED_IOVA, which the kernel reads (and range-checks) but does not map at.
     */
    private static Command<?> rawAimed(Pick p, IoasSpace space, Handle h, long length) {
        if (p.random.nextBoolean()) {
            long iova = GuidedRanges.freeIova(p, a -> free(space, a, length));
            return Command.IoasMap.raw(h, iova, length, GuidedFlagWords.accepted(p, true));
        }
        long ignored = p.random.nextBoolean() ? 0 : p.misaligned();
        return Command.IoasMap.raw(h, ignored, length, GuidedFlagWords.accepted(p, false));
    }

    /**
     * The uapi form with arguments the kernel refuses before it looks the IOAS up: an unknown flag bit,
     * an iova field (FIXED_IOVA or not) or a length of ULONG_MAX, no access bit; on the IOAS or on a
     * wrong name.
     */
    static Command<?> rawRefused(Pick p, Handle h) {
        Handle ioas = p.random.nextInt(4) == 0 ? GuidedRanges.wrongIoas(p) : h;
        return switch (p.random.nextInt(3)) {
            case 0 -> Command.IoasMap.raw(ioas, p.iova(), PAGE, GuidedFlagWords.withUnknownBit(p));
            case 1 ->
                p.random.nextBoolean()
                        ? Command.IoasMap.raw(ioas, ULONG_MAX, PAGE, GuidedFlagWords.accepted(p, false))
                        : Command.IoasMap.raw(ioas, p.iova(), ULONG_MAX, GuidedFlagWords.accepted(p, true));
            default -> Command.IoasMap.raw(ioas, p.iova(), PAGE, GuidedFlagWords.withoutAccess(p));
        };
    }

    private static Command<?> mapRefused(Pick p, Pick.Owned<IommufdObject.Ioas> i) {
        IoasSpace space = i.object().space();
        Handle h = i.handle();
        Set<IoasMapFlag> rw = GuidedCast.IOAS_RW;
        List<IoasArea> areas = space.areas();
        switch (p.random.nextInt(11)) {
            case 0 -> {
                // a wrong name, with arguments the kernel refuses before the lookup a quarter of the time
                Handle wrong = GuidedRanges.wrongIoas(p);
                return switch (p.random.nextInt(8)) {
                    case 0 -> new Command.IoasMap(wrong, OptionalLong.of(p.iova()), PAGE, Set.of());
                    case 1 -> new Command.IoasMap(wrong, OptionalLong.of(ULONG_MAX), PAGE, rw);
                    default -> new Command.IoasMap(wrong, OptionalLong.of(p.iova()), PAGE, rw);
                };
            }
            case 1 -> {
                // FIXED_IOVA onto an area already mapped
                if (!areas.isEmpty()) {
                    IoasArea area = p.one(areas).orElseThrow();
                    return new Command.IoasMap(h, OptionalLong.of(area.iova()), area.length(), rw);
                }
            }
            case 2 -> {
                return p.random.nextBoolean()
                        ? new Command.IoasMap(h, OptionalLong.of(ULONG_MAX), PAGE, rw)
                        : new Command.IoasMap(h, OptionalLong.of(p.iova()), ULONG_MAX, rw);
            }
            case 3 -> {
                // neither READABLE nor WRITEABLE
                return new Command.IoasMap(
                        h,
                        OptionalLong.of(p.iova()),
                        PAGE,
                        p.random.nextBoolean() ? Set.of() : Set.of(IoasMapFlag.FIXED_IOVA));
            }
            case 4 -> {
                // an address or a length the domains' page size does not divide, on an IOAS a domain
                // aligns (any of the role's, as the one drawn may have none)
                Optional<Handle> aligned = p.one(p.myObjects(
                                IommufdObject.Ioas.class, o -> o.space().iovaAlignment() > 1))
                        .map(Pick.Owned::handle);
                if (aligned.isPresent()) {
                    return p.random.nextBoolean()
                            ? new Command.IoasMap(aligned.get(), OptionalLong.of(p.iova() + 0x800), PAGE, rw)
                            : new Command.IoasMap(aligned.get(), OptionalLong.of(p.iova()), PAGE + 0x800, rw);
                }
                return new Command.IoasMap(h, OptionalLong.of(p.iova()), 0, rw);
            }
            case 5 -> {
                return new Command.IoasMap(h, OptionalLong.of(TOP_PAGE), 2 * PAGE, rw);
            }
            case 6 -> {
                // onto a reserved range: a device's MSI window, or past a domain's aperture
                Optional<IovaRange> reserved = p.one(space.allReserved());
                long iova = reserved.map(IovaRange::start).orElse(MSI);
                return new Command.IoasMap(h, OptionalLong.of(iova), PAGE, rw);
            }
            case 7 -> {
                // no room to place it: half of the 64-bit space, or more than a narrow allowed list holds
                long length = space.allowed().isEmpty() ? 1L << 63 : 4 * GIGA;
                return new Command.IoasMap(h, OptionalLong.empty(), length, rw);
            }
            case 8 -> {
                return rawRefused(p, h);
            }
            default -> {}
        }
        return new Command.IoasMap(
                h,
                OptionalLong.of(p.misaligned()),
                p.random.nextBoolean() ? 0 : p.misaligned(),
                p.random.nextInt(3) == 0 ? Set.of() : rw);
    }

    static GuidedAction unmap() {
        return new GuidedAction(
                "IoasUnmap",
                p -> ioas(p).map(i -> {
                    GuidedRanges.Span span = unmapAimed(p, i.object().space());
                    return new Command.IoasUnmap(i.handle(), span.iova(), span.length());
                }),
                p -> ioas(p).map(i -> {
                    if (p.random.nextInt(5) == 0) {
                        return new Command.IoasUnmap(GuidedRanges.wrongIoas(p), 0, ULONG_MAX);
                    }
                    GuidedRanges.Span span = unmapRefused(p, i.object().space());
                    return new Command.IoasUnmap(i.handle(), span.iova(), span.length());
                }));
    }

    /** Exactly one area, or a range from one area's start to a later one's end; else everything. */
    static GuidedRanges.Span unmapAimed(Pick p, IoasSpace space) {
        List<IoasArea> areas = space.areas();
        if (areas.isEmpty() || p.random.nextInt(6) == 0) {
            // everything (accepted even when empty), or a range where probably nothing is mapped
            return p.random.nextInt(4) != 0
                    ? new GuidedRanges.Span(0, ULONG_MAX)
                    : new GuidedRanges.Span(p.iova(), HUGE);
        }
        int[] ij = GuidedRanges.twoIndices(p, areas.size());
        IoasArea first = areas.get(ij[0]);
        IoasArea last = p.random.nextBoolean() ? first : areas.get(ij[1]);
        return new GuidedRanges.Span(first.iova(), last.iova() + last.length() - first.iova());
    }

    /**
     * Part of an area (ENOENT), whole areas and then part of the next (ENOENT after unmapping those),
     * or a malformed range.
     */
    static GuidedRanges.Span unmapRefused(Pick p, IoasSpace space) {
        List<IoasArea> areas = space.areas();
        if (areas.isEmpty() || p.random.nextInt(3) == 0) {
            return GuidedRanges.malformed(p);
        }
        int[] ij = GuidedRanges.twoIndices(p, areas.size());
        IoasArea first = areas.get(ij[0]);
        IoasArea cut = areas.get(ij[1]);
        long half = Math.max(1, cut.length() / 2);
        return new GuidedRanges.Span(first.iova(), cut.iova() + half - first.iova());
    }

    /**
     * IOMMU_IOAS_COPY: a whole area, its first pages, its last pages, or a run of areas that follow one
     * another without a gap, into another IOAS of the caller's context (or the same one), at a free
     * place or wherever the destination chooses; refused: a source range with a hole, a destination over
     * an existing area, length 0, no permission, ULONG_MAX, a WRITEABLE copy of a read-only area, a wrong
     * source IOAS (and {@link #intoAligned}, drawn apart by {@link GuidedMappingStrays}).
     */
    static GuidedAction copy() {
        return new GuidedAction(
                "IoasCopy",
                p -> ioas(p).flatMap(src -> copyAimed(p, src)),
                p -> ioas(p).flatMap(src -> copyRefused(p, src)));
    }

    /** The IOASes of {@code ctx} (a copy's destination id is a number in the source's context). */
    private static List<IommufdObject.Ioas> ioasesOf(OpenFile.IommufdFile ctx) {
        return ctx.objects().values().stream()
                .filter(o -> o instanceof IommufdObject.Ioas)
                .map(o -> (IommufdObject.Ioas) o)
                .toList();
    }

    /** Whether every area of {@code run} is writable: a WRITEABLE copy of it is allowed. */
    private static Set<IoasMapFlag> copyFlags(List<IoasArea> run) {
        return run.stream().allMatch(a -> a.prot().write()) ? GuidedCast.IOAS_RW : Set.of(IoasMapFlag.READABLE);
    }

    private static Optional<Command<?>> copyAimed(Pick p, Pick.Owned<IommufdObject.Ioas> src) {
        List<IoasArea> areas = src.object().space().areas();
        Optional<Pick.Owned<IommufdObject.Ioas>> dst = ioas(p);
        if (areas.isEmpty() || dst.isEmpty()) {
            return Optional.empty();
        }
        IoasArea area = areas.get(p.random.nextInt(areas.size()));
        long from = area.iova();
        long length = p.random.nextBoolean() || area.length() < 2 * PAGE ? area.length() : PAGE;
        List<IoasArea> run = List.of(area);
        switch (p.random.nextInt(4)) {
            case 0 -> {
                // the last pages of an area: the source pointer is inside the area's buffer
                if (area.length() >= 2 * PAGE && area.length() % PAGE == 0) {
                    long pages = area.length() / PAGE;
                    long skipped = 1 + (pages > 2 ? p.random.nextLong(pages - 1) : 0);
                    from = area.iova() + skipped * PAGE;
                    length = area.length() - skipped * PAGE;
                }
            }
            case 1 -> {
                // areas mapped back to back: one copy takes pages of each
                Set<Long> starts = areas.stream().map(IoasArea::iova).collect(Collectors.toSet());
                Optional<IoasArea> start = p.one(areas.stream()
                        .filter(a -> starts.contains(a.iova() + a.length()))
                        .toList());
                if (start.isPresent()) {
                    run = runFrom(areas, start.get());
                    from = start.get().iova();
                    IoasArea last = run.getLast();
                    length = last.iova() + last.length() - from;
                }
            }
            default -> {}
        }
        Set<IoasMapFlag> flags = copyFlags(run);
        IoasSpace to = dst.get().object().space();
        if (p.random.nextBoolean()) {
            return Optional.of(
                    new Command.IoasCopy(src.handle(), from, dst.get().handle(), OptionalLong.empty(), length, flags));
        }
        long size = length;
        long iova = GuidedRanges.freeIova(p, a -> free(to, a, size));
        return Optional.of(new Command.IoasCopy(
                src.handle(), from, dst.get().handle(), OptionalLong.of(iova), length, fixed(flags)));
    }

    /** {@code first} and the areas that follow it without a gap, in IOVA order. */
    private static List<IoasArea> runFrom(List<IoasArea> areas, IoasArea first) {
        List<IoasArea> run = new ArrayList<>(List.of(first));
        for (IoasArea next : areas) {
            IoasArea last = run.getLast();
            if (next.iova() == last.iova() + last.length()) {
                run.add(next);
            }
        }
        return run;
    }

    private static Optional<Command<?>> copyRefused(Pick p, Pick.Owned<IommufdObject.Ioas> src) {
        List<IoasArea> areas = src.object().space().areas();
        Handle dst = ioas(p).map(Pick.Owned::handle).orElse(src.handle());
        Set<IoasMapFlag> rw = fixed(GuidedCast.IOAS_RW);
        if (areas.isEmpty()) {
            // nothing mapped: any source range has a hole (ENOENT)
            return Optional.of(new Command.IoasCopy(src.handle(), PAGE, dst, OptionalLong.of(PAGE), PAGE, rw));
        }
        IoasArea area = areas.get(p.random.nextInt(areas.size()));
        return Optional.of(
                switch (p.random.nextInt(6)) {
                    // one byte past the area's end: a hole unless an area follows right there (ENOENT)
                    case 0 ->
                        new Command.IoasCopy(
                                src.handle(), area.iova(), dst, OptionalLong.of(0), area.length() + PAGE, rw);
                    // onto the area itself (EEXIST)
                    case 1 ->
                        new Command.IoasCopy(
                                src.handle(),
                                area.iova(),
                                src.handle(),
                                OptionalLong.of(area.iova()),
                                area.length(),
                                rw);
                    case 2 -> new Command.IoasCopy(src.handle(), area.iova(), dst, OptionalLong.of(0), 0, rw);
                    case 3 ->
                        new Command.IoasCopy(
                                src.handle(), area.iova(), dst, OptionalLong.empty(), area.length(), Set.of());
                    case 4 ->
                        area.prot().write()
                                ? new Command.IoasCopy(
                                        src.handle(), ULONG_MAX, dst, OptionalLong.empty(), area.length(), rw)
                                // a WRITEABLE copy of pages mapped without WRITEABLE, placed by the
                                // destination so that the permission is what refuses it (EPERM)
                                : new Command.IoasCopy(
                                        src.handle(),
                                        area.iova(),
                                        dst,
                                        OptionalLong.empty(),
                                        area.length(),
                                        GuidedCast.IOAS_RW);
                    default ->
                        new Command.IoasCopy(
                                GuidedRanges.wrongIoas(p), area.iova(), dst, OptionalLong.empty(), area.length(), rw);
                });
    }

    /**
     * A copy into an IOAS of the source's context whose domains align it to a page (EINVAL): half a
     * page of the area, or a page that starts half a page into it (a page offset the alignment does not
     * divide), at a free page or placed by the destination. With no such IOAS, half a page into any.
     */
    static Command<?> intoAligned(Pick p, Pick.Owned<IommufdObject.Ioas> src, IoasArea area) {
        List<IommufdObject.Ioas> aligned = ioasesOf(src.ctx()).stream()
                .filter(i -> i.space().iovaAlignment() > 1)
                .toList();
        IommufdObject.Ioas to = p.one(aligned).orElse(src.object());
        Handle dst = Pick.object(src.ctx().id(), to.id());
        Set<IoasMapFlag> flags = copyFlags(List.of(area));
        boolean offset = area.length() >= 2 * PAGE && p.random.nextBoolean();
        long from = offset ? area.iova() + PAGE / 2 : area.iova();
        long length = offset ? PAGE : PAGE / 2;
        if (p.random.nextBoolean()) {
            return new Command.IoasCopy(src.handle(), from, dst, OptionalLong.empty(), length, flags);
        }
        long iova = GuidedRanges.freeIova(p, a -> free(to.space(), a, PAGE));
        return new Command.IoasCopy(src.handle(), from, dst, OptionalLong.of(iova), length, fixed(flags));
    }

    static GuidedAction iovaRanges() {
        return new GuidedAction(
                "IoasIovaRanges",
                p -> ioas(p).map(i -> new Command.IoasIovaRanges(i.handle(), 1 + p.random.nextInt(8))),
                p -> ioas(p).map(i -> p.random.nextBoolean()
                        // too small a buffer: EMSGSIZE with the count needed
                        ? new Command.IoasIovaRanges(i.handle(), 0)
                        : new Command.IoasIovaRanges(GuidedRanges.wrongIoas(p), 8)));
    }

    static GuidedAction allowIovas() {
        return new GuidedAction(
                "IoasAllowIovas",
                p -> ioas(p).map(i -> new Command.IoasAllowIovas(
                        i.handle(), allowedAimed(p, i.object().space()))),
                p -> ioas(p).map(i -> p.random.nextInt(4) == 0
                        ? new Command.IoasAllowIovas(GuidedRanges.wrongIoas(p), List.of())
                        : new Command.IoasAllowIovas(
                                i.handle(), allowedRefused(p, i.object().space()))));
    }

    /**
     * A list the IOAS accepts: none, 128 to 512 MiB above 4 GiB, one 2 MiB range, the first page only
     * (which automatic placement never uses), two ranges, or, while nothing is reserved, the MSI window,
     * everything past a 39-bit aperture up to ULONG_MAX, or the top 1 MiB. None of them needs to hold what is mapped.
     */
    private static List<IovaSpan> allowedAimed(Pick p, IoasSpace space) {
        long base = 0x1_0000_0000L;
        return switch (p.random.nextInt(8)) {
            case 0, 1 -> List.of();
            case 2 -> List.of(new IovaSpan(base, base + HUGE - 1));
            case 3 -> List.of(new IovaSpan(0, PAGE - 1));
            case 4 -> List.of(new IovaSpan(base, base + HUGE - 1), new IovaSpan(base + GIGA, base + 2 * GIGA - 1));
            case 5 ->
                space.allReserved().isEmpty()
                        ? List.of(
                                switch (p.random.nextInt(3)) {
                                    case 0 -> new IovaSpan(MSI, MSI + MSI_LENGTH - 1);
                                    case 1 -> new IovaSpan(1L << 39, ULONG_MAX);
                                    // the top 1 MiB: no 2 MiB-aligned start fits below 2^64
                                    default -> new IovaSpan(ULONG_MAX - MSI_LENGTH + 1, ULONG_MAX);
                                })
                        : List.of();
            default -> List.of(new IovaSpan(base, base + 0x800_0000L * (1 + p.random.nextInt(4)) - 1));
        };
    }

    /** Inverted, overlapping, or over a reserved range (the MSI window of an attached device). */
    private static List<IovaSpan> allowedRefused(Pick p, IoasSpace space) {
        Optional<IovaRange> reserved = p.one(space.allReserved());
        return switch (p.random.nextInt(3)) {
            case 0 -> List.of(new IovaSpan(0x2000, 0x1000));
            case 1 -> List.of(new IovaSpan(0x10_0000, 0x2f_ffff), new IovaSpan(0x20_0000, 0x3f_ffff));
            default ->
                List.of(reserved.map(r -> new IovaSpan(r.start(), r.start() + PAGE - 1))
                        .orElse(new IovaSpan(MSI, MSI + MSI_LENGTH - 1)));
        };
    }

    // ---- VFIO type1 calls on /dev/iommu: the compat layer maps its IOAS as a container would; aimed
    // at an iommufd that has a compat IOAS (a group was set to it), refused on any ----

    private static Optional<IoasSpace> compatSpace(OpenFile.IommufdFile ctx) {
        return ctx.compatIoas()
                .map(id -> ctx.objects().get(id))
                .filter(o -> o instanceof IommufdObject.Ioas)
                .map(o -> ((IommufdObject.Ioas) o).space());
    }

    static GuidedAction compatMap() {
        return new GuidedAction(
                "Type1MapDma",
                p -> p.myFile(OpenFile.IommufdFile.class, f -> f.compatIoas().isPresent())
                        .map(x -> {
                            IoasSpace space = compatSpace(x).orElse(IoasSpace.empty());
                            long length = GuidedRanges.length(p);
                            long iova = GuidedRanges.freeIova(p, a -> free(space, a, length));
                            return new Command.Type1MapDma(
                                    Pick.file(x), iova, 0x7f00_0000_0000L + iova, length, GuidedType1.permissions(p));
                        }),
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true).map(x -> switch (p.random.nextInt(3)) {
                    case 0 -> new Command.Type1MapDma(Pick.file(x), p.iova(), 0x7f00_0000_0000L, PAGE, Set.of());
                    case 1 ->
                        new Command.Type1MapDma(Pick.file(x), TOP_PAGE, 0x7f00_0000_0000L, 2 * PAGE, GuidedCast.RW);
                    default -> new Command.Type1MapDma(Pick.file(x), p.misaligned(), 0, 0x1000, Set.of());
                }));
    }

    static GuidedAction compatUnmap() {
        return new GuidedAction(
                "Type1UnmapDma",
                p -> p.myFile(OpenFile.IommufdFile.class, f -> f.compatIoas().isPresent())
                        .map(x -> {
                            if (p.random.nextInt(4) == 0) {
                                return new Command.Type1UnmapDma(Pick.file(x), 0, 0, true);
                            }
                            GuidedRanges.Span span =
                                    unmapAimed(p, compatSpace(x).orElse(IoasSpace.empty()));
                            if (span.length() == ULONG_MAX) {
                                return new Command.Type1UnmapDma(Pick.file(x), 0, 0, true);
                            }
                            return new Command.Type1UnmapDma(Pick.file(x), span.iova(), span.length(), false);
                        }),
                p -> p.myFile(OpenFile.IommufdFile.class, f -> true).map(x -> {
                    if (p.random.nextInt(3) == 0) {
                        // UNMAP_FLAG_ALL with an iova or a size
                        return p.random.nextBoolean()
                                ? new Command.Type1UnmapDma(Pick.file(x), 0x1000, 0, true)
                                : new Command.Type1UnmapDma(Pick.file(x), 0, 0x1000, true);
                    }
                    GuidedRanges.Span span = unmapRefused(p, compatSpace(x).orElse(IoasSpace.empty()));
                    return new Command.Type1UnmapDma(Pick.file(x), span.iova(), span.length(), false);
                }));
    }
}
