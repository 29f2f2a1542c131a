package dev.custody.nativeio.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fstat's identity through statx: one file, one identity, whichever descriptor; a closed one is EBADF. */
class FileIdentityTest {
    @TempDir
    Path directory;

    private int create(String name) {
        int fd = Libc.open(directory.resolve(name).toString(), Libc.O_RDWR | Libc.O_CLOEXEC | 0x40 /* O_CREAT */);
        assertTrue(fd >= 0, "open: " + fd);
        return fd;
    }

    @Test
    void aDuplicateHasItsFilesIdentityAndAnotherFileAnother() throws Exception {
        int first = create("a");
        int copy = Libc.duplicate(first);
        int other = create("b");
        try {
            FileIdentity identity = FileIdentity.of(first).identity().orElseThrow();
            assertEquals(identity, FileIdentity.of(copy).identity().orElseThrow());
            assertNotEquals(identity, FileIdentity.of(other).identity().orElseThrow());
            Object inode = Files.readAttributes(directory.resolve("a"), BasicFileAttributes.class)
                    .fileKey();
            assertTrue(String.valueOf(inode).contains("ino=" + identity.inode()), inode + " against " + identity);
            assertEquals(0, identity.rdevMajor(), "an ordinary file stands for no device");
            assertEquals(identity, FileIdentity.parse(identity.text()));
        } finally {
            Libc.close(first);
            Libc.close(copy);
            Libc.close(other);
        }
    }

    /** kcmp tells a duplicate (one open file) from a second open of the same inode, which fstat cannot. */
    @Test
    void kcmpTellsTheSameOpenFromAnotherOpenOfTheSameFile() {
        int first = create("d");
        int copy = Libc.duplicate(first);
        int again = create("d");
        try {
            assertEquals(
                    FileIdentity.of(first).identity().orElseThrow(),
                    FileIdentity.of(again).identity().orElseThrow(),
                    "one inode, one identity");
            int same = Kcmp.sameOpenFile(first, copy);
            Assumptions.assumeTrue(same >= 0, "kcmp is not available here: " + ErrnoNames.of(-same));
            assertEquals(1, same, "a duplicate is the same open file");
            assertEquals(0, Kcmp.sameOpenFile(first, again), "a second open is another");
            assertEquals(-Libc.EBADF, Kcmp.sameOpenFile(first, 999_999));
        } finally {
            Libc.close(first);
            Libc.close(copy);
            Libc.close(again);
        }
    }

    @Test
    void aDescriptorTheKernelClosedHasNoIdentity() {
        // a number far above any this process opens: a closed one could be reused by another thread
        FileIdentity.Read read = FileIdentity.of(999_999);
        assertTrue(read.identity().isEmpty());
        assertEquals(Libc.EBADF, read.errno());
    }

    @Test
    void aDeviceNodeNamesItsDevice() {
        int fd = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            FileIdentity identity = FileIdentity.of(fd).identity().orElseThrow();
            assertEquals(1, identity.rdevMajor(), "/dev/null is 1:3");
            assertEquals(3, identity.rdevMinor());
        } finally {
            Libc.close(fd);
        }
    }
}
