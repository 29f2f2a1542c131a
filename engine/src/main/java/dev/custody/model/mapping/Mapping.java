package dev.custody.model.mapping;

import static dev.custody.model.mapping.Addresses.hex;

/** One leaf of an I/O page table: {@code [iova, iova + size)} translates to {@code paddr}. */
public record Mapping(long iova, long paddr, long size, Prot prot) {

    public IovaRange range() {
        return IovaRange.ofLength(iova, size);
    }

    public boolean covers(long address) {
        return range().contains(address);
    }

    @Override
    public String toString() {
        return "[" + hex(iova) + ", " + hex(iova + size) + ") -> " + hex(paddr) + " " + prot;
    }
}
