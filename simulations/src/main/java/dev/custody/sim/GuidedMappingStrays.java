package dev.custody.sim;

import static dev.custody.sim.GuidedRanges.PAGE;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.HwptAllocFlag;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.OpenFile;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The mapping calls a stress tester makes on purpose with one argument of a kind the call's checks
 * single out, each its own kind of refused call beside the role's own calls, so the scheduler gives each
 * a share of the refusals and a novelty score of its own (a kind drawn among many inside one action's
 * refusals is met a handful of times in a run, and not at all on some seeds):
 *
 * <ul>
 *   <li>VFIO_IOMMU_MAP_DMA and _UNMAP_DMA on a VFIO fd that is no container: a device fd or a cdev
 *       (MAP_DMA's number is the hot reset's there), a group fd.
 *   <li>iommu_map and iommu_unmap by the in-kernel user on a domain that is not its own, its kind
 *       drawn first ({@link GuidedIommuMap#notMine}).
 *   <li>IOMMU_HWPT_ALLOC right in all but its flags: the ones a VMM asks for and the emulated VT-d
 *       cannot give (DIRTY_TRACKING for live migration, NEST_PARENT for a vIOMMU's second stage), or a
 *       flag a paging HWPT never takes.
 *   <li>IOMMU_IOAS_COPY into an IOAS a domain aligns, of a length or from a page offset that the
 *       alignment does not divide ({@link GuidedIoas#intoAligned}); and with a number it refuses
 *       before any lookup (ULONG_MAX, no permission).
 *   <li>IOMMU_IOAS_MAP on a name that is no IOAS, with arguments iommufd checks before the lookup.
 * </ul>
 */
final class GuidedMappingStrays {
    private GuidedMappingStrays() {}

    private static final long VADDR = 0x7f00_0000_0000L;

    private static GuidedAction refusalOnly(
            String operation, java.util.function.Function<Pick, Optional<Command<?>>> refused) {
        return new GuidedAction(operation, p -> Optional.empty(), refused, false);
    }

    /** The QEMU-like VFIO user's. */
    static List<GuidedAction> vfioUser() {
        return List.of(
                refusalOnly(
                        "Type1MapDma",
                        p -> notAContainer(p)
                                .map(f -> new Command.Type1MapDma(Pick.file(f), p.iova(), VADDR, PAGE, GuidedCast.RW))),
                refusalOnly(
                        "Type1UnmapDma",
                        p -> notAContainer(p)
                                .map(f -> new Command.Type1UnmapDma(Pick.file(f), p.iova(), PAGE, false))));
    }

    /** The iommufd VMM's. */
    static List<GuidedAction> iommufdUser() {
        return List.of(
                refusalOnly(
                        "Type1MapDma",
                        p -> notAContainer(p)
                                .map(f -> new Command.Type1MapDma(Pick.file(f), p.iova(), VADDR, PAGE, GuidedCast.RW))),
                refusalOnly("HwptAlloc", GuidedMappingStrays::hwptWithUnsupportedFlags),
                refusalOnly("IoasMap", GuidedMappingStrays::mapOnAWrongName),
                refusalOnly("IoasCopy", GuidedMappingStrays::copyOfNumbersCheckedFirst),
                refusalOnly(
                        "IoasCopy",
                        p -> p.one(p.myObjects(
                                        IommufdObject.Ioas.class,
                                        i -> !i.space().areas().isEmpty()))
                                .flatMap(src -> p.one(src.object().space().areas())
                                        .map(area -> GuidedIoas.intoAligned(p, src, area)))));
    }

    /** The in-kernel user's. */
    static List<GuidedAction> kernelUser() {
        return List.of(
                refusalOnly(
                        "IommuMap",
                        p -> GuidedIommuMap.notMine(p)
                                .map(d -> new Command.IommuMap(domain(d), p.iova(), 0x8000_0000L, PAGE, true, true))),
                refusalOnly(
                        "IommuUnmap",
                        p -> GuidedIommuMap.notMine(p)
                                .map(d -> new Command.IommuUnmap(domain(d), p.iova(), GuidedRanges.HUGE))));
    }

    private static Handle domain(DomainState domain) {
        return new Handle.Domain(domain.id());
    }

    /** One of the role's open VFIO fds that is neither a container nor an iommufd. */
    private static Optional<OpenFile> notAContainer(Pick p) {
        return p.one(p.mine(
                OpenFile.class,
                f -> f.fdOpen() && !(f instanceof OpenFile.VfioContainer) && !(f instanceof OpenFile.IommufdFile)));
    }

    private static Optional<Command<?>> hwptWithUnsupportedFlags(Pick p) {
        return p.one(p.myObjects(IommufdObject.Device.class, d -> true))
                .flatMap(dev -> p.one(GuidedIommufdUser.hwptParents(p, dev.ctx()))
                        .map(ioas -> new Command.HwptAlloc(
                                Pick.file(dev.ctx()),
                                dev.handle(),
                                Pick.object(dev.ctx().id(), ioas.id()),
                                p.label("hwpt"),
                                unsupportedFlags(p))));
    }

    /**
     * IOMMU_IOAS_MAP as the uapi spells it, on a name that is no IOAS of the context: iommufd checks
     * the arguments before it looks the IOAS up, so an unknown flag bit, an iova field or a length of
     * ULONG_MAX or no access bit answers for itself, and only right arguments meet the lookup.
     */
    private static Optional<Command<?>> mapOnAWrongName(Pick p) {
        return p.myFile(OpenFile.IommufdFile.class, f -> true).map(x -> {
            Handle wrong = GuidedRanges.wrongIoas(p);
            return switch (p.random.nextInt(5)) {
                case 0 -> Command.IoasMap.raw(wrong, p.iova(), PAGE, GuidedFlagWords.withUnknownBit(p));
                case 1 -> Command.IoasMap.raw(wrong, GuidedRanges.ULONG_MAX, PAGE, GuidedFlagWords.accepted(p, true));
                case 2 ->
                    Command.IoasMap.raw(wrong, p.iova(), GuidedRanges.ULONG_MAX, GuidedFlagWords.accepted(p, false));
                case 3 -> Command.IoasMap.raw(wrong, p.iova(), PAGE, GuidedFlagWords.withoutAccess(p));
                default -> Command.IoasMap.raw(wrong, p.iova(), PAGE, GuidedFlagWords.accepted(p, true));
            };
        });
    }

    /**
     * IOMMU_IOAS_COPY between live IOASes of the context with one number iommufd_ioas_copy refuses
     * before any lookup: ULONG_MAX as the length, the source IOVA or the destination IOVA, or neither
     * READABLE nor WRITEABLE.
     */
    private static Optional<Command<?>> copyOfNumbersCheckedFirst(Pick p) {
        return p.one(p.myObjects(IommufdObject.Ioas.class, i -> true)).map(src -> {
            long from = src.object().space().areas().stream()
                    .findFirst()
                    .map(IoasArea::iova)
                    .orElse(p.iova());
            Handle dst = src.handle();
            Set<IoasMapFlag> rw = GuidedCast.IOAS_RW;
            long max = GuidedRanges.ULONG_MAX;
            return switch (p.random.nextInt(4)) {
                case 0 -> new Command.IoasCopy(src.handle(), from, dst, OptionalLong.empty(), max, rw);
                case 1 -> new Command.IoasCopy(src.handle(), max, dst, OptionalLong.empty(), PAGE, rw);
                case 2 -> new Command.IoasCopy(src.handle(), from, dst, OptionalLong.of(max), PAGE, rw);
                default -> new Command.IoasCopy(src.handle(), from, dst, OptionalLong.empty(), PAGE, Set.of());
            };
        });
    }

    /** Flags the model's IOMMUs refuse on a paging HWPT (see HwptAllocFlags in the rules). */
    private static Set<HwptAllocFlag> unsupportedFlags(Pick p) {
        return switch (p.random.nextInt(4)) {
            case 0 -> Set.of(HwptAllocFlag.DIRTY_TRACKING);
            case 1 -> Set.of(HwptAllocFlag.NEST_PARENT);
            case 2 -> Set.of(HwptAllocFlag.NEST_PARENT, HwptAllocFlag.DIRTY_TRACKING);
            default ->
                p.random.nextBoolean()
                        ? Set.of(HwptAllocFlag.FAULT_ID_VALID)
                        : Set.of(HwptAllocFlag.UNDEFINED_BIT_31, HwptAllocFlag.DIRTY_TRACKING);
        };
    }
}
