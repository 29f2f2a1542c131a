package dev.custody.nativeio.pagetable;

/**
 * What {@link IoPageTable#map} reports. The native module cannot see the engine's errno type,
 * so each failure carries its Linux x86-64 errno number for the engine to translate.
 */
public enum MapResult {
    /** The whole range is mapped. */
    OK(0),
    /** Misaligned iova, paddr or size, size 0, a range beyond the address width, or no permission. */
    EINVAL(22),
    /** Some part of the range was already mapped; the table is left exactly as it was. */
    EEXIST(17);

    private final int errno;

    MapResult(int errno) {
        this.errno = errno;
    }

    /** The positive errno number (0 for {@link #OK}); the kernel returns its negation. */
    public int errno() {
        return errno;
    }
}
