package dev.custody.rules.mapping;

import static dev.custody.model.mapping.Addresses.hex;
import static dev.custody.model.mapping.Addresses.isAligned;

import dev.custody.model.Errno;
import dev.custody.model.mapping.Addresses;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Prot;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.mapping.Type1Version;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What VFIO type1's MAP_DMA and UNMAP_DMA (vfio_dma_do_map, vfio_dma_do_unmap) decide on a container's
 * vfio_dma list: accepted or refused, and which entries come and go. Pinning and the IOMMU domains
 * themselves are not modelled.
 */
public final class Type1DmaRules {
    private Type1DmaRules() {}

    /** VFIO_IOMMU_MAP_DMA; the value is the number of bytes mapped, the added entry the new vfio_dma. */
    public static MappingStep<Type1DmaSpace, DmaMapping, Long> map(
            Type1DmaSpace space, long iova, long vaddr, long size, boolean read, boolean write) {
        long pageSize = space.pageSize();
        if (!read && !write) {
            // vfio_dma_do_map: neither READ nor WRITE -> EINVAL
            return MappingStep.fail(space, Errno.EINVAL, "a DMA mapping must allow READ or WRITE");
        }
        if (size == 0) {
            // vfio_dma_do_map: size 0 -> EINVAL
            return MappingStep.fail(space, Errno.EINVAL, "size 0 maps nothing");
        }
        if (!isAligned(size | iova | vaddr, pageSize)) {
            // vfio_dma_do_map: size, iova or vaddr not a multiple of pg -> EINVAL
            return MappingStep.fail(
                    space,
                    Errno.EINVAL,
                    "iova " + hex(iova) + ", vaddr " + hex(vaddr) + " and size " + hex(size)
                            + " must all be multiples of the page size " + hex(pageSize));
        }
        OptionalLong last = Addresses.lastOf(iova, size);
        if (last.isEmpty() || Addresses.lastOf(vaddr, size).isEmpty()) {
            // vfio_dma_do_map: iova or vaddr wraps -> EINVAL
            return MappingStep.fail(
                    space,
                    Errno.EINVAL,
                    "iova " + hex(iova) + " or vaddr " + hex(vaddr) + " plus size " + hex(size) + " wraps past 2^64");
        }
        IovaRange wanted = new IovaRange(iova, last.getAsLong());
        Optional<DmaMapping> clash = space.firstEntryIntersecting(wanted);
        if (clash.isPresent()) {
            // vfio_dma_do_map: any overlap with an existing mapping -> EEXIST
            return MappingStep.fail(
                    space, Errno.EEXIST, "iova range " + wanted + " overlaps the mapping " + clash.get());
        }
        if (space.entryCount() >= space.entryLimit()) {
            // vfio_dma_do_map: dma_avail exhausted -> ENOSPC
            return MappingStep.fail(
                    space,
                    Errno.ENOSPC,
                    "the container already holds its limit of " + space.entryLimit() + " DMA mappings");
        }
        List<IovaRange> validRanges = space.validRanges();
        if (!validRanges.isEmpty() && validRanges.stream().noneMatch(valid -> valid.contains(wanted))) {
            // vfio_dma_do_map: range not inside one valid IOVA range -> EINVAL
            return MappingStep.fail(
                    space, Errno.EINVAL, "iova range " + wanted + " is not inside one valid IOVA range " + validRanges);
        }
        List<DmaMapping> added = List.of(new DmaMapping(iova, vaddr, size, new Prot(read, write)));
        return MappingStep.changed(space.withEntries(added), size, List.of(), added);
    }

    /** VFIO_IOMMU_UNMAP_DMA; the value is the number of bytes removed (the ioctl's size out). */
    public static MappingStep<Type1DmaSpace, DmaMapping, Long> unmap(
            Type1DmaSpace space, long iova, long size, boolean all) {
        long pageSize = space.pageSize();
        if (!isAligned(iova, pageSize)) {
            // vfio_dma_do_unmap: iova not a multiple of pg -> EINVAL
            return MappingStep.fail(
                    space, Errno.EINVAL, "iova " + hex(iova) + " is not a multiple of the page size " + hex(pageSize));
        }
        if (all) {
            if (iova != 0 || size != 0) {
                // vfio_dma_do_unmap: FLAG_ALL with a non-zero iova or size -> EINVAL
                return MappingStep.fail(
                        space,
                        Errno.EINVAL,
                        "unmap-all takes iova 0 and size 0, not iova " + hex(iova) + " size " + hex(size));
            }
            return remove(space, space.entries());
        }
        if (size == 0 || !isAligned(size, pageSize)) {
            // vfio_dma_do_unmap: size 0 or not a multiple of pg -> EINVAL
            return MappingStep.fail(
                    space,
                    Errno.EINVAL,
                    "size " + hex(size) + " is 0 or not a multiple of the page size " + hex(pageSize));
        }
        OptionalLong last = Addresses.lastOf(iova, size);
        if (last.isEmpty()) {
            // vfio_dma_do_unmap: a wrapping range -> EINVAL
            return MappingStep.fail(
                    space, Errno.EINVAL, "iova " + hex(iova) + " plus size " + hex(size) + " wraps past 2^64");
        }
        IovaRange request = new IovaRange(iova, last.getAsLong());
        return space.version() == Type1Version.V2 ? unmapV2(space, request) : unmapV1(space, request);
    }

    private static MappingStep<Type1DmaSpace, DmaMapping, Long> unmapV2(Type1DmaSpace space, IovaRange request) {
        Optional<DmaMapping> atFirst = space.entryCovering(request.start());
        Optional<DmaMapping> atLast = space.entryCovering(request.last());
        Optional<DmaMapping> bisected = atFirst.filter(entry -> !request.contains(entry.range()))
                .or(() -> atLast.filter(entry -> !request.contains(entry.range())));
        if (bisected.isPresent()) {
            // vfio_dma_do_unmap (v2): first or last page inside a mapping that extends beyond it -> EINVAL
            return MappingStep.fail(space, Errno.EINVAL, "range " + request + " bisects the mapping " + bisected.get());
        }
        // vfio_dma_do_unmap (v2): every mapping fully inside is removed; none there -> success with 0
        return remove(space, space.entriesStartingIn(request));
    }

    private static MappingStep<Type1DmaSpace, DmaMapping, Long> unmapV1(Type1DmaSpace space, IovaRange request) {
        Optional<DmaMapping> first = space.firstEntryIntersecting(request);
        if (first.isPresent() && Long.compareUnsigned(first.get().iova(), request.start()) < 0) {
            // vfio_dma_do_unmap (v1): a request starting inside a mapping succeeds with size 0 and removes nothing
            return MappingStep.ok(space, 0L);
        }
        // vfio_dma_do_unmap (v1): covering a mapping's first byte removes the whole mapping, even past the range
        return remove(space, space.entriesStartingIn(request));
    }

    private static MappingStep<Type1DmaSpace, DmaMapping, Long> remove(Type1DmaSpace space, List<DmaMapping> doomed) {
        if (doomed.isEmpty()) {
            return MappingStep.ok(space, 0L);
        }
        long removed = doomed.stream().mapToLong(DmaMapping::size).sum();
        return MappingStep.changed(space.withoutEntries(doomed), removed, doomed, List.of());
    }
}
