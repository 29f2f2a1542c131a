package dev.custody.nativeio.host;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Which IOAS or VFIO container owns the memory a live DMA map pins, and so when that memory is freed.
 * Each buffer the agent maps for a map ({@link UserMemory}) is used by the maps that pin it: the map it
 * was made for, a type1 map of the same user address, an {@code IOMMU_IOAS_COPY} of it into another
 * IOAS (which shares the pages). A buffer is unmapped from the process once no map uses it: after the
 * unmap that removed its last map, the destroy of its IOAS, or the close of the file its owner lives in
 * (the kernel frees an iommufd's IOAS, and a container's maps go with its last group, with the file).
 * Until then it stays, even when the kernel has not pinned it yet: an IOAS without a domain pins its
 * areas only when one is attached, reading them through this process's addresses, so freeing earlier
 * would let the kernel pin whatever the address held next.
 *
 * <p>The file of a descriptor handed to another process keeps its buffers until the agent closes: the
 * kernel keeps its objects while the other process holds the file, and the agent cannot see when that
 * ends. A reader ({@link #view}) keeps a buffer too, so that what a device wrote can still be read after
 * its map is gone. Safe for a reader on another thread: every method holds this object's lock.
 */
final class MapOwners implements AutoCloseable {
    /** An IOAS (its iommufd's name and its id) or a VFIO container (its name, id 0): whose a map is. */
    record Owner(String file, int id) {
        static Owner container(String file) {
            return new Owner(file, 0);
        }
    }

    /** One map of part of a buffer: by {@code owner}, {@code length} bytes at {@code iova} from {@code userVa}. */
    private record Use(Owner owner, long iova, long userVa, long length) {
        boolean overlaps(long start, long last) {
            return Long.compareUnsigned(iova, last) <= 0 && Long.compareUnsigned(iova + length - 1, start) >= 0;
        }
    }

    private static final class Buffer {
        final UserMemory.Range range;
        final List<Use> uses = new ArrayList<>();
        int readers;

        Buffer(UserMemory.Range range) {
            this.range = range;
        }

        boolean holds(long userVa, long length) {
            return Long.compareUnsigned(userVa, range.start()) >= 0
                    && Long.compareUnsigned(userVa + length, range.start() + range.length()) <= 0;
        }

        boolean overlapsAddresses(long userVa, long length) {
            return Long.compareUnsigned(userVa, range.start() + range.length()) < 0
                    && Long.compareUnsigned(userVa + length, range.start()) > 0;
        }
    }

    private final UserMemory memory;
    private final Consumer<UserMemory.Range> freed;
    private final List<Buffer> buffers = new ArrayList<>();
    private final Set<String> handedOver = new HashSet<>();

    /** @param freed told of each range as it is unmapped from the process */
    MapOwners(UserMemory memory, Consumer<UserMemory.Range> freed) {
        this.memory = memory;
        this.freed = freed;
    }

    /** @return the address of {@code length} new bytes for a map about to be made, or -errno */
    synchronized long allocate(long length) {
        long at = memory.backAnywhere(length);
        if (at >= 0) {
            buffers.add(new Buffer(new UserMemory.Range(at, length)));
        }
        return at;
    }

    /** Backs {@code length} bytes at {@code start} for a map about to be made, where nothing is mapped yet. */
    synchronized boolean allocateAt(long start, long length) {
        if (!memory.backAt(start, length)) {
            return false;
        }
        buffers.add(new Buffer(new UserMemory.Range(start, length)));
        return true;
    }

    /**
     * The kernel mapped {@code length} bytes from {@code userVa} at {@code iova} for {@code owner}: every
     * buffer of ours under those addresses is now used by that map. Then whatever no map uses (a buffer
     * allocated for a map the kernel refused) is freed.
     */
    synchronized void mapped(Owner owner, long userVa, long iova, long length) {
        if (length != 0) {
            for (Buffer buffer : buffers) {
                if (buffer.overlapsAddresses(userVa, length)) {
                    buffer.uses.add(new Use(owner, iova, userVa, length));
                }
            }
        }
        settle();
    }

    /** A map was not made: the buffer allocated for it, unused, is freed. */
    synchronized void notMapped() {
        settle();
    }

    /**
     * {@code IOMMU_IOAS_COPY} of {@code length} bytes at {@code fromIova} of {@code from} to {@code toIova}
     * of {@code to}: the copy shares the source's pages, so it uses the same buffers.
     */
    synchronized void copied(Owner from, long fromIova, Owner to, long toIova, long length) {
        if (length == 0) {
            return;
        }
        long last = fromIova + length - 1;
        for (Buffer buffer : buffers) {
            for (Use use : List.copyOf(buffer.uses)) {
                if (!use.owner().equals(from) || !use.overlaps(fromIova, last)) {
                    continue;
                }
                long start = Long.compareUnsigned(use.iova(), fromIova) > 0 ? use.iova() : fromIova;
                long end = Long.compareUnsigned(use.iova() + use.length() - 1, last) < 0
                        ? use.iova() + use.length() - 1
                        : last;
                buffer.uses.add(
                        new Use(to, toIova + (start - fromIova), use.userVa() + (start - use.iova()), end - start + 1));
            }
        }
    }

    /**
     * The kernel unmapped {@code length} bytes at {@code iova} of {@code owner}. Both type1 and iommufd
     * unmap whole maps only (a range that cuts one is refused, or on type1 v1 takes all of it), so every
     * map of the owner that the range touches is gone.
     */
    synchronized void unmapped(Owner owner, long iova, long length) {
        if (length != 0) {
            long last = iova + length - 1;
            buffers.forEach(b -> b.uses.removeIf(u -> u.owner().equals(owner) && u.overlaps(iova, last)));
        }
        settle();
    }

    /** Every map of {@code owner} is gone (its IOAS destroyed, a type1 unmap of all). */
    synchronized void gone(Owner owner) {
        buffers.forEach(b -> b.uses.removeIf(u -> u.owner().equals(owner)));
        settle();
    }

    /**
     * The agent closed the file {@code file} (an iommufd, a container): the maps of the objects in it
     * went with it, unless its descriptor was handed to another process, which may still hold it.
     */
    synchronized void closed(String file) {
        if (handedOver.contains(file)) {
            return;
        }
        buffers.forEach(b -> b.uses.removeIf(u -> u.owner().file().equals(file)));
        settle();
    }

    /** A duplicate of {@code file}'s descriptor went to another process: its buffers stay until the agent closes. */
    synchronized void handedOver(String file) {
        handedOver.add(file);
    }

    /**
     * The bytes {@code owner} maps at {@code iova}, for reading back what a device wrote there: kept
     * mapped in the process until the view is closed, even after the map is gone.
     */
    // reinterpret: the range lies inside a buffer this object mapped, which stays mapped while the view is open
    @SuppressWarnings("restricted")
    synchronized Optional<MappedMemory> view(Owner owner, long iova, long length) {
        for (Buffer buffer : buffers) {
            for (Use use : buffer.uses) {
                long offset = iova - use.iova();
                if (use.owner().equals(owner)
                        && Long.compareUnsigned(iova, use.iova()) >= 0
                        && Long.compareUnsigned(offset + length, use.length()) <= 0
                        && buffer.holds(use.userVa() + offset, length)) {
                    buffer.readers++;
                    MemorySegment bytes =
                            MemorySegment.ofAddress(use.userVa() + offset).reinterpret(length);
                    return Optional.of(new MappedMemory(bytes, () -> unread(buffer)));
                }
            }
        }
        return Optional.empty();
    }

    private synchronized void unread(Buffer buffer) {
        buffer.readers--;
        settle();
    }

    /** The buffers in use, each with the owners of its maps: what the agent holds for whom. */
    synchronized List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (Buffer buffer : buffers) {
            lines.add(Long.toHexString(buffer.range.start()) + "+" + Long.toHexString(buffer.range.length()) + " "
                    + buffer.uses.stream()
                            .map(u -> u.owner().file() + "/" + u.owner().id() + "@" + Long.toHexString(u.iova()))
                            .toList());
        }
        return lines;
    }

    /** Frees every buffer no map uses and no reader holds. */
    private void settle() {
        for (Buffer buffer : List.copyOf(buffers)) {
            if (buffer.uses.isEmpty() && buffer.readers == 0) {
                buffers.remove(buffer);
                memory.release(buffer.range);
                freed.accept(buffer.range);
            }
        }
    }

    /** Forgets every buffer; the agent's {@link UserMemory} unmaps them when it closes. */
    @Override
    public synchronized void close() {
        buffers.clear();
    }
}
