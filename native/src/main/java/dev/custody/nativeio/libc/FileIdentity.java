package dev.custody.nativeio.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Which file a descriptor refers to, as {@code fstat} tells it: the device the inode lives on
 * ({@code st_dev}), the inode ({@code st_ino}) and, for a device node, the device it stands for
 * ({@code st_rdev}). Two descriptors with one identity refer to the same inode; they may still be two
 * opens of it (two opens of {@code /dev/vfio/vfio} are two containers with one identity), so this
 * tells a wrong file from the right one, not one open from another. Read with {@code statx}, whose
 * layout is the same on every architecture.
 */
public record FileIdentity(int deviceMajor, int deviceMinor, long inode, int rdevMajor, int rdevMinor) {
    // int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)
    private static final MethodHandle STATX = Downcalls.capturing(
            "statx", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_INO = 0x100;
    private static final int STATX_TYPE = 0x1;
    /** sizeof(struct statx). */
    private static final long STATX_SIZE = 256;

    private static final long STX_INO = 32;
    private static final long STX_RDEV_MAJOR = 128;
    private static final long STX_RDEV_MINOR = 132;
    private static final long STX_DEV_MAJOR = 136;
    private static final long STX_DEV_MINOR = 140;

    /** What {@link #of} read: the identity, or the errno that kept it from being read. */
    public record Read(Optional<FileIdentity> identity, int errno) {}

    /** The identity of the file {@code fd} refers to; errno EBADF when {@code fd} is no open descriptor. */
    public static Read of(int fd) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            MemorySegment buffer = call.allocate(STATX_SIZE, Long.BYTES);
            int result = (int)
                    STATX.invokeExact(errno, fd, call.allocateFrom(""), AT_EMPTY_PATH, STATX_TYPE | STATX_INO, buffer);
            if (result != 0) {
                return new Read(Optional.empty(), Downcalls.errnoOf(errno));
            }
            return new Read(
                    Optional.of(new FileIdentity(
                            buffer.get(JAVA_INT, STX_DEV_MAJOR),
                            buffer.get(JAVA_INT, STX_DEV_MINOR),
                            buffer.get(JAVA_LONG, STX_INO),
                            buffer.get(JAVA_INT, STX_RDEV_MAJOR),
                            buffer.get(JAVA_INT, STX_RDEV_MINOR))),
                    0);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /** The identity as {@link #text()} wrote it. */
    public static FileIdentity parse(String text) {
        String[] parts = text.split("[:/]");
        if (parts.length != 5) {
            throw new IllegalArgumentException(
                    "not a file identity (DEV_MAJOR:DEV_MINOR/INODE/RDEV_MAJOR:RDEV_MINOR): " + text);
        }
        return new FileIdentity(
                Integer.parseInt(parts[0]),
                Integer.parseInt(parts[1]),
                Long.parseLong(parts[2]),
                Integer.parseInt(parts[3]),
                Integer.parseInt(parts[4]));
    }

    /** {@code 0:45/1234/10:196}: the device, the inode, the device a node stands for. */
    public String text() {
        return deviceMajor + ":" + deviceMinor + "/" + inode + "/" + rdevMajor + ":" + rdevMinor;
    }

    /** For messages: {@code dev 0:45, ino 1234, rdev 10:196}. */
    public String describe() {
        return "dev " + deviceMajor + ":" + deviceMinor + ", ino " + inode + ", rdev " + rdevMajor + ":" + rdevMinor;
    }
}
