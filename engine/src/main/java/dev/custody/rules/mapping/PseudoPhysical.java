package dev.custody.rules.mapping;

import dev.custody.model.mapping.IoasSpace;

/**
 * The physical addresses the model puts into the page tables of user-mapped domains. The model pins no
 * real pages, so each user mapping gets a deterministic stand-in that keeps the alignment of the user
 * address (large pages stay possible exactly where they would be) and fits the 52-bit physical space of
 * the x86-64 page-table format. docs/decisions.md, "Page tables of user-mapped domains".
 */
public final class PseudoPhysical {
    private PseudoPhysical() {}

    /**
     * The low 51 bits: every x86-64 user address is below 2^47 (2^56 with five-level paging) and a
     * domain maps at most 2^48 bytes, so the result plus the length stays below 2^52.
     */
    static final long USER_ADDRESS_MASK = (1L << 51) - 1;

    /** A type1 vfio_dma's pages: its user address itself (for every address a process can have). */
    public static long ofUserAddress(long vaddr) {
        return vaddr & USER_ADDRESS_MASK;
    }

    /** An IOAS area's pages: the synthetic user address the IOAS model already answers with. */
    public static long ofIoasIova(long iova) {
        return (IoasSpace.USER_ADDRESS_BASE + iova) & USER_ADDRESS_MASK;
    }
}
