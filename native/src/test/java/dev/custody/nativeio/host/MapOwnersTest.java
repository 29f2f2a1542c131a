package dev.custody.nativeio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.nativeio.libc.Libc;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The memory a DMA map pins is its IOAS's or container's: freed from the process when the unmap, the
 * destroy or the close that ends its last map comes, and not before (a copy into another IOAS, another
 * map of the same address, a reader or a descriptor handed over keep it).
 */
class MapOwnersTest {
    private static final long PAGE = 4096;
    private static final int EEXIST = 17;
    private static final MapOwners.Owner IOAS = new MapOwners.Owner("f5", 2);
    private static final MapOwners.Owner OTHER_IOAS = new MapOwners.Owner("f5", 3);
    private static final MapOwners.Owner CONTAINER = MapOwners.Owner.container("f3");

    private final UserMemory memory = new UserMemory();
    private final List<UserMemory.Range> freed = new ArrayList<>();
    private final MapOwners owners = new MapOwners(memory, freed::add);

    @AfterEach
    void close() {
        owners.close();
        memory.close();
    }

    /** 0 when nothing is mapped at the page (it is unmapped again at once), else -errno. */
    private static long probe(long start) {
        long mapped = Libc.mmapAt(
                start, PAGE, Libc.PROT_READ, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_FIXED_NOREPLACE, -1, 0);
        if (mapped < 0) {
            return mapped;
        }
        Libc.munmap(mapped, PAGE);
        return 0;
    }

    private long mappedBuffer(MapOwners.Owner owner, long iova) {
        long at = owners.allocate(PAGE);
        assertTrue(at > 0, "mmap: " + at);
        owners.mapped(owner, at, iova, PAGE);
        return at;
    }

    @Test
    void anIoasMapsMemoryIsFreedByTheUnmapOfItAndNotByAnotherIoassUnmap() {
        long at = mappedBuffer(IOAS, 0x10000);

        owners.unmapped(OTHER_IOAS, 0x10000, PAGE);
        owners.unmapped(IOAS, 0x20000, PAGE);
        assertEquals(-EEXIST, probe(at), "another IOAS's unmap, or one elsewhere, leaves it");

        owners.unmapped(IOAS, 0x10000, PAGE);

        assertEquals(0, probe(at));
        assertEquals(List.of(new UserMemory.Range(at, PAGE)), freed);
        assertEquals(List.of(), memory.backed());
    }

    @Test
    void memoryForAMapTheKernelRefusedIsFreedAtOnce() {
        long at = owners.allocate(PAGE);

        owners.notMapped();

        assertEquals(0, probe(at));
    }

    @Test
    void aCopyIntoAnotherIoasKeepsTheSharedPagesUntilItIsUnmappedToo() {
        long at = mappedBuffer(IOAS, 0x10000);
        owners.copied(IOAS, 0x10000, OTHER_IOAS, 0x40000, PAGE);

        owners.unmapped(IOAS, 0x10000, PAGE);
        assertEquals(-EEXIST, probe(at), "the copy still maps the pages");

        owners.gone(OTHER_IOAS); // its IOAS destroyed
        assertEquals(0, probe(at));
    }

    @Test
    void closingTheIommufdFreesItsIoassMemoryUnlessItsDescriptorWasHandedOver() {
        long kept = mappedBuffer(new MapOwners.Owner("f7", 1), 0x10000);
        long at = mappedBuffer(IOAS, 0x10000);
        owners.handedOver("f7");

        owners.closed("f5");
        owners.closed("f7");

        assertEquals(0, probe(at));
        assertEquals(-EEXIST, probe(kept), "another process may still hold the iommufd and its IOAS");
    }

    @Test
    void aTypeOneMapOfAnAddressAlreadyBackedSharesItsMemory() {
        long at = owners.allocate(PAGE);
        owners.mapped(CONTAINER, at, 0x10000, PAGE);
        owners.mapped(CONTAINER, at, 0x20000, PAGE); // the same vaddr at a second IOVA

        owners.unmapped(CONTAINER, 0x10000, PAGE);
        assertEquals(-EEXIST, probe(at));

        owners.gone(CONTAINER); // VFIO_DMA_UNMAP_FLAG_ALL
        assertEquals(0, probe(at));
    }

    @Test
    void aViewKeepsTheBytesReadableAfterTheUnmapUntilItIsClosed() {
        long at = mappedBuffer(IOAS, 0x10000);
        MappedMemory view = owners.view(IOAS, 0x10800, 16).orElseThrow();
        assertEquals(at + 0x800, view.bytes().address());
        view.bytes().set(ValueLayout.JAVA_BYTE, 0, (byte) 0x5a);

        owners.unmapped(IOAS, 0x10000, PAGE);

        assertEquals(0x5a, view.bytes().get(ValueLayout.JAVA_BYTE, 0));
        view.close();
        assertEquals(0, probe(at));
        assertTrue(owners.view(IOAS, 0x10000, 16).isEmpty(), "no map covers it any more");
    }

    @Test
    void noViewOfARangeNoMapCovers() {
        mappedBuffer(IOAS, 0x10000);

        assertTrue(owners.view(IOAS, 0x10800, PAGE).isEmpty(), "runs past the map's end");
        assertTrue(owners.view(OTHER_IOAS, 0x10000, 16).isEmpty());
    }
}
