package dev.custody.nativeio.host;

import java.lang.foreign.MemorySegment;

/**
 * The process's own view of bytes a live DMA map pins, for writing what a device should read and
 * reading back what it wrote. While the view is open the memory stays mapped, even after the map that
 * pinned it is gone (so a test can show that a device no longer reaches it); it is valid until it is
 * closed or the agent that made it closes, whichever comes first.
 */
public final class MappedMemory implements AutoCloseable {
    private final MemorySegment bytes;
    private final Runnable release;
    private boolean closed;

    MappedMemory(MemorySegment bytes, Runnable release) {
        this.bytes = bytes;
        this.release = release;
    }

    /** The bytes, at the user address the kernel was given for them. */
    public MemorySegment bytes() {
        if (closed) {
            throw new IllegalStateException("the view of the mapped memory is closed");
        }
        return bytes;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            release.run();
        }
    }
}
