package dev.custody.model.mapping;

import static dev.custody.model.mapping.Addresses.hex;

/** One type1 {@code vfio_dma}: {@code [iova, iova + size)} backed by user memory at {@code vaddr}. */
public record DmaMapping(long iova, long vaddr, long size, Prot prot) {

    public IovaRange range() {
        return IovaRange.ofLength(iova, size);
    }

    @Override
    public String toString() {
        return "[" + hex(iova) + ", " + hex(iova + size) + ")";
    }
}
