package dev.custody.nativeio.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class LibcTest {

    /** TCGETS: a terminal request that /dev/null, not being a terminal, rejects. */
    private static final long TCGETS = 0x5401;

    @Test
    void opensAndClosesDevNull() {
        int fd = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC);
        assertTrue(fd >= 0, "fd " + fd);
        assertEquals(0, Libc.close(fd));
        assertEquals(-Libc.EBADF, Libc.close(fd), "a second close sees a closed descriptor");
    }

    @Test
    void reportsEnoentForAMissingPath() {
        assertEquals(-Libc.ENOENT, Libc.open("/nonexistent-custody-test/none", Libc.O_RDONLY));
    }

    @Test
    void ioctlCapturesErrno() {
        int fd = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC);
        assertTrue(fd >= 0, "fd " + fd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment termios = arena.allocate(64);
            assertEquals(-Libc.ENOTTY, Libc.ioctl(fd, TCGETS, termios));
        } finally {
            assertEquals(0, Libc.close(fd));
        }
    }

    @Test
    @SuppressWarnings("restricted") // giving the raw mmap address a size is the point of the test
    void mapsWritesAndUnmapsAnonymousMemory() {
        long length = 4096;
        long address =
                Libc.mmap(length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        assertTrue(address > 0, "mmap returned " + address);
        MemorySegment page = MemorySegment.ofAddress(address).reinterpret(length);
        assertEquals(0L, page.get(ValueLayout.JAVA_LONG, 8), "anonymous memory starts zeroed");
        page.set(ValueLayout.JAVA_LONG, 8, 0x1234_5678_9abcL);
        assertEquals(0x1234_5678_9abcL, page.get(ValueLayout.JAVA_LONG, 8));
        assertEquals(0, Libc.munmap(address, length));
    }

    @Test
    void mmapAndMunmapReportEinval() {
        assertEquals(-Libc.EINVAL, Libc.mmap(0, Libc.PROT_READ, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0));
        assertEquals(-Libc.EINVAL, Libc.munmap(1, 4096), "address not page-aligned");
    }
}
