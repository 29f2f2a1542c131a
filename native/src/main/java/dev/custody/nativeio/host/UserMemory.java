package dev.custody.nativeio.host;

import dev.custody.nativeio.libc.Libc;
import java.util.ArrayList;
import java.util.List;

/**
 * The anonymous memory the agent backs DMA maps with: mapped here, released one range at a time when
 * the maps that pin it are gone ({@link MapOwners} decides when), and whatever is left when the agent
 * closes. A type1 map names its user address ({@code map-dma}), so the agent maps memory exactly
 * there, only where nothing is mapped yet; an IOAS map has its buffer wherever the kernel puts it. An
 * agent that closes gives everything back: another agent in the same process (the next engine in one
 * guest boot) then finds the address free again, where it would otherwise find this agent's smaller
 * range in the way and its map of a larger one fail with EFAULT.
 */
final class UserMemory implements AutoCloseable {
    private static final int READ_WRITE = Libc.PROT_READ | Libc.PROT_WRITE;
    private static final int ANONYMOUS = Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE;

    /** One mapping the agent made: released as it was made. */
    record Range(long start, long length) {}

    private final List<Range> backed = new ArrayList<>();

    /**
     * Maps {@code length} bytes at {@code start} when no mapping overlaps them (MAP_FIXED_NOREPLACE:
     * the JVM's and earlier ranges stay as they are, and nothing is recorded for them).
     *
     * @return whether the range was mapped now
     */
    boolean backAt(long start, long length) {
        long mapped = Libc.mmapAt(start, length, READ_WRITE, ANONYMOUS | Libc.MAP_FIXED_NOREPLACE, -1, 0);
        if (mapped < 0) {
            return false;
        }
        if (mapped != start) {
            // a kernel before 4.17 takes NOREPLACE as a hint and may map elsewhere: not what was asked
            Libc.munmap(mapped, length);
            return false;
        }
        backed.add(new Range(start, length));
        return true;
    }

    /** @return the address of {@code length} new bytes where the kernel chose, or -errno */
    long backAnywhere(long length) {
        long mapped = Libc.mmap(length, READ_WRITE, ANONYMOUS, -1, 0);
        if (mapped >= 0) {
            backed.add(new Range(mapped, length));
        }
        return mapped;
    }

    /** Unmaps one range this memory backed (nothing when it is not one of them). */
    void release(Range range) {
        if (backed.remove(range)) {
            Libc.munmap(range.start(), range.length());
        }
    }

    /** What is backed now, oldest first. */
    List<Range> backed() {
        return List.copyOf(backed);
    }

    /**
     * Unmaps every range. The agent closes its descriptors first, so the kernel has unpinned the
     * pages; a page still pinned (a descriptor handed to another process) stays the kernel's until
     * that goes, without this address.
     */
    @Override
    public void close() {
        for (Range range : backed.reversed()) {
            Libc.munmap(range.start(), range.length());
        }
        backed.clear();
    }
}
