package dev.custody.rules.mapping;

import static dev.custody.model.mapping.Addresses.PAGE_SIZE;
import static dev.custody.model.mapping.Addresses.hex;
import static dev.custody.model.mapping.Addresses.isAligned;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Prot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * IOMMU_IOAS_COPY (ioas.c iommufd_ioas_copy): the source range's pages are taken area by area
 * (io_pagetable.c iopt_get_pages) and mapped into the destination IOAS as one new area per source
 * area met (iopt_map_pages), all or nothing.
 *
 * <p>What the model cannot see: an area's pages remember whether the first map made them writable,
 * while the model only keeps the area's own protection; and a copied area's user pointer is the
 * source's. Both are approximated from the source area (see docs/decisions.md).
 */
public final class IoasCopyRules {
    private IoasCopyRules() {}

    /** What the copy takes from the source: its pieces in IOVA order and the hint for placing them. */
    public record Source(List<IoasArea> pieces, long pointerAlignment, long pageOffset) {
        public Source {
            pieces = List.copyOf(pieces);
        }
    }

    /**
     * iopt_get_pages: {@code [iova, iova + length)} must be covered by areas that follow one another
     * without a gap. Each piece keeps its source area's protection, which stands for whether its pages
     * are writable.
     */
    public static Outcome<Source> source(IoasSpace space, long iova, long length) {
        if (length == 0) {
            // io_pagetable.c iopt_get_pages: length 0 -> EINVAL
            return Outcome.fail(Errno.EINVAL, "a copy of length 0");
        }
        OptionalLong last = Addresses.lastOf(iova, length);
        if (last.isEmpty()) {
            // io_pagetable.c iopt_get_pages: iova + length - 1 overflows -> EOVERFLOW
            return Outcome.fail(
                    Errno.EOVERFLOW, "source iova " + hex(iova) + " plus length " + hex(length) + " wraps past 2^64");
        }
        List<IoasArea> pieces = new ArrayList<>();
        long cursor = iova;
        while (true) {
            Optional<IoasArea> area = space.areaCovering(cursor);
            if (area.isEmpty() || (!pieces.isEmpty() && area.get().iova() != cursor)) {
                // iopt_area_contig_done false: a hole in the source range -> ENOENT
                return Outcome.fail(
                        Errno.ENOENT,
                        "no area at " + hex(cursor) + " in the source range " + new IovaRange(iova, last.getAsLong()));
            }
            long areaLast = area.get().range().last();
            long pieceLast = Addresses.min(areaLast, last.getAsLong());
            pieces.add(new IoasArea(cursor, pieceLast - cursor + 1, area.get().prot()));
            if (pieceLast == last.getAsLong()) {
                break;
            }
            cursor = pieceLast + 1;
        }
        IoasArea first = space.areaCovering(iova).orElseThrow();
        long offset = iova - first.iova();
        return Outcome.ok(new Source(pieces, pointerAlignment(first, offset), offset % PAGE_SIZE));
    }

    /**
     * iopt_map_pages into {@code space}: the length check, placement (fixed or chosen like the source's
     * pointer), then each piece's area, refusing a writeable copy of pages that are not writable. The
     * value is the destination IOVA; the added elements are the new areas.
     */
    public static MappingStep<IoasSpace, IoasArea, Long> into(
            IoasSpace space, Source source, OptionalLong iova, long length, boolean readable, boolean writeable) {
        long alignment = space.iovaAlignment();
        if (length == 0 || !isAligned(length, alignment)) {
            // io_pagetable.c iopt_alloc_area_pages: length 0 or not aligned to iova_alignment -> EINVAL
            return MappingStep.fail(
                    space,
                    Errno.EINVAL,
                    "length " + hex(length) + " is not a multiple of the destination's IOVA alignment "
                            + hex(alignment));
        }
        Outcome<Long> placed = iova.isPresent()
                ? IoasSpaceRules.checkFixed(space, iova.getAsLong(), length)
                : IoasIovaAllocator.chooseLike(space, length, source.pointerAlignment(), source.pageOffset());
        if (!(placed instanceof Outcome.Ok<Long> ok)) {
            return MappingStep.refused(space, placed);
        }
        List<IoasArea> added = new ArrayList<>();
        long at = ok.value();
        for (IoasArea piece : source.pieces()) {
            if (writeable && !piece.prot().write()) {
                // io_pagetable.c iopt_insert_area: IOMMU_WRITE on pages not pinned writable -> EPERM
                return MappingStep.fail(
                        space, Errno.EPERM, "the source area at " + hex(piece.iova()) + " is not writable");
            }
            if (added.isEmpty() && !isAligned(source.pageOffset(), alignment)) {
                // io_pagetable.c iopt_insert_area: the page offset not aligned to iova_alignment -> EINVAL
                return MappingStep.fail(
                        space,
                        Errno.EINVAL,
                        "page offset " + hex(source.pageOffset()) + " is not aligned to " + hex(alignment));
            }
            added.add(new IoasArea(at, piece.length(), new Prot(readable, writeable)));
            at += piece.length();
        }
        return MappingStep.changed(space.withAreas(added), ok.value(), List.of(), added);
    }

    /**
     * The lowest set bit of the source's user address. Inside an area it is the offset's; at the start of
     * an area it is the buffer's, which the oracle's agent aligns to exactly min(the power of two at or
     * above the length, 2 MiB), and at least a page, as the model assumes for IOAS_MAP.
     */
    private static long pointerAlignment(IoasArea area, long offset) {
        long buffer = Addresses.max(
                PAGE_SIZE, Addresses.min(Addresses.roundUpPowerOfTwo(area.length()), IoasIovaAllocator.HPAGE_SIZE));
        return offset == 0 ? buffer : Addresses.min(Long.lowestOneBit(offset), buffer);
    }
}
