package dev.custody.nativeio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.nativeio.libc.Libc;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory the agent backs DMA maps with is the agent's until the maps that use it are gone
 * ({@link MapOwnersTest}) or the agent closes, and only what it mapped itself: a later agent in the
 * same process (the next engine in one boot) finds the address free.
 */
class UserMemoryTest {
    private static final long PAGE = 4096;
    private static final int EEXIST = 17;

    @TempDir
    Path root;

    /** Mappings the test made itself, unmapped after each test. */
    private final java.util.ArrayList<UserMemory.Range> own = new java.util.ArrayList<>();

    @AfterEach
    void unmapOwn() {
        own.forEach(r -> Libc.munmap(r.start(), r.length()));
    }

    /**
     * An address with {@code pages} free pages: a mapping the kernel placed, then unmapped. Nothing
     * else in this test maps memory at a fixed address, so it stays free for the test.
     */
    private static long freeAddress(long pages) {
        long at = Libc.mmap(pages * PAGE, Libc.PROT_READ, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        assertTrue(at > 0, "mmap: " + at);
        assertEquals(0, Libc.munmap(at, pages * PAGE));
        return at;
    }

    /** 0 when the range was free (it is unmapped again at once), else -errno (EEXIST: something is there). */
    private static long probe(long start, long length) {
        long mapped = Libc.mmapAt(
                start, length, Libc.PROT_READ, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_FIXED_NOREPLACE, -1, 0);
        if (mapped < 0) {
            return mapped;
        }
        Libc.munmap(mapped, length);
        return 0;
    }

    @Test
    void aRangeBackedAtAFreeAddressIsKeptUntilCloseAndThenFreeAgain() {
        long at = freeAddress(2);
        UserMemory memory = new UserMemory();

        assertTrue(memory.backAt(at, 2 * PAGE));
        assertEquals(List.of(new UserMemory.Range(at, 2 * PAGE)), memory.backed());
        assertEquals(-EEXIST, probe(at, PAGE));

        memory.close();

        assertEquals(List.of(), memory.backed());
        assertEquals(0, probe(at, 2 * PAGE));
    }

    @Test
    void whatIsMappedAlreadyIsNeitherReplacedNorRecordedNorUnmappedAtClose() {
        long at = freeAddress(2);
        assertEquals(at, Libc.mmapAt(at, PAGE, Libc.PROT_READ, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0));
        own.add(new UserMemory.Range(at, PAGE));
        UserMemory memory = new UserMemory();

        // the range overlaps the test's page: NOREPLACE maps none of it
        assertFalse(memory.backAt(at, 2 * PAGE));
        memory.close();

        assertEquals(List.of(), memory.backed());
        assertEquals(-EEXIST, probe(at, PAGE), "the test's own page is still mapped");
        assertEquals(0, probe(at + PAGE, PAGE));
    }

    @Test
    void aLargerRangeAtAnAddressAnEarlierMemoryBackedSmallerIsBackedOnceThatOneClosed() {
        long at = freeAddress(2);
        UserMemory first = new UserMemory();
        assertTrue(first.backAt(at, PAGE));
        assertFalse(new UserMemory().backAt(at, 2 * PAGE), "the earlier page is in the way while kept");

        first.close();
        UserMemory second = new UserMemory();

        assertTrue(second.backAt(at, 2 * PAGE));
        second.close();
    }

    @Test
    void memoryBackedAnywhereIsReleasedAtClose() {
        UserMemory memory = new UserMemory();
        long at = memory.backAnywhere(3 * PAGE);
        assertTrue(at > 0, "mmap: " + at);
        assertEquals(-EEXIST, probe(at, PAGE));

        memory.close();

        assertEquals(0, probe(at, 3 * PAGE));
    }

    @Test
    void anAgentFreesTheMemoryItBackedATypeOneMapWithWhenTheKernelRefusesTheMap() {
        long at = freeAddress(2);
        HostTree tree = new HostTree(root).plainNode("vfio/vfio");
        HostAgent agent = new HostAgent(tree.paths());
        assertEquals("ok", ((AgentAnswer.Result) agent.perform("1", "open c1 container")).result());
        // not a VFIO container, so the map itself is ENOTTY: no map pins the vaddr backed before the ioctl
        AgentAnswer.Result map =
                (AgentAnswer.Result) agent.perform("2", "map-dma c1 0x1000 0x" + Long.toHexString(at) + " 0x1000 rw");

        assertEquals("ENOTTY", map.result());
        assertEquals(0, probe(at, 2 * PAGE));
        assertEquals(List.of(), agent.mapMemory());
        agent.close();
    }
}
