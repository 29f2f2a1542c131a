package dev.custody.nativeio.host;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.LibcIo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The buffers behind IOAS areas, so that a physical address an HWPT translates to can be named as
 * the model names it: the synthetic user address {@link #USER_ADDRESS_BASE} + the area's IOVA + the
 * offset (IoasSpace in the engine). A buffer freed once its maps are gone ({@link MapOwners}) is
 * forgotten here, so a page found here still backs its area.
 */
final class IoasAreas {
    static final long USER_ADDRESS_BASE = 0x7f0000000000L;
    private static final int MAX_AREAS = 256;
    private static final long PAGE = 4096;
    private static final int ENTRIES = 512;
    private static final long PRESENT = 1L << 63;
    private static final long FRAME_MASK = (1L << 55) - 1;

    private record Area(long userVa, long length, long iova) {}

    private final List<Area> areas = new ArrayList<>();

    void remember(long userVa, long length, long iova) {
        if (areas.size() < MAX_AREAS) {
            areas.add(new Area(userVa, length, iova));
        }
    }

    /** The buffer {@code range} was unmapped from the process: its areas no longer translate. */
    void forget(UserMemory.Range range) {
        areas.removeIf(a -> Long.compareUnsigned(a.userVa(), range.start()) >= 0
                && Long.compareUnsigned(a.userVa(), range.start() + range.length()) < 0);
    }

    /**
     * The model's address for a physical address pinned behind an area: the page whose frame it is
     * (from /proc/self/pagemap, which shows frames to a privileged reader), or the address itself
     * when no area's page has that frame, so a translation into memory the areas do not hold disagrees.
     */
    long modelAddress(long paddr) {
        int pagemap = Libc.open("/proc/self/pagemap", Libc.O_RDONLY | Libc.O_CLOEXEC);
        if (pagemap < 0) {
            return paddr;
        }
        long frame = paddr >>> 12;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment entries = call.allocate(JAVA_LONG, ENTRIES);
            for (int i = areas.size() - 1; i >= 0; i--) {
                Area area = areas.get(i);
                long pages = area.length() / PAGE;
                for (long first = 0; first < pages; first += ENTRIES) {
                    long want = Math.min(ENTRIES, pages - first);
                    long at = (area.userVa() / PAGE + first) * JAVA_LONG.byteSize();
                    long got = LibcIo.pread(pagemap, entries.asSlice(0, want * JAVA_LONG.byteSize()), at);
                    for (long k = 0; got > 0 && k < got / JAVA_LONG.byteSize(); k++) {
                        long entry = entries.getAtIndex(JAVA_LONG, k);
                        if ((entry & PRESENT) != 0 && (entry & FRAME_MASK) == frame) {
                            return USER_ADDRESS_BASE + area.iova() + (first + k) * PAGE + (paddr & (PAGE - 1));
                        }
                    }
                }
            }
            return paddr;
        } finally {
            Libc.close(pagemap);
        }
    }
}
