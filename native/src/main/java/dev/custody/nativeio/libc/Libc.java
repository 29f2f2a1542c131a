package dev.custody.nativeio.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The few libc calls the real IOMMU backend needs ({@code /dev/iommu}, VFIO type1), as FFM
 * downcalls. Every call captures {@code errno} right after the function returns, before the JVM
 * can run other native code that would overwrite it.
 *
 * <p>Results follow the kernel's syscall convention: a non-negative value on success, the
 * negated errno on failure. Constants are the Linux values.
 *
 * <p>Each call uses one confined arena for its short-lived native memory (the C string and the
 * errno slot), freed when the call returns, so nothing leaks and any thread may call.
 */
public final class Libc {

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MAP_FIXED_NOREPLACE = 0x100000;

    public static final int ENOENT = 2;
    public static final int EBADF = 9;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;

    // int open(const char *path, int flags, ... /* mode_t mode */)
    private static final MethodHandle OPEN = Downcalls.capturing(
            "open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    // int close(int fd)
    private static final MethodHandle CLOSE = Downcalls.capturing("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // int ioctl(int fd, unsigned long request, ... /* void *arg */)
    private static final MethodHandle IOCTL = Downcalls.capturing(
            "ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    // void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
    private static final MethodHandle MMAP = Downcalls.capturing(
            "mmap", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    // int munmap(void *addr, size_t length)
    private static final MethodHandle MUNMAP =
            Downcalls.capturing("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));

    // int fcntl(int fd, int cmd, ... /* int arg */)
    private static final MethodHandle FCNTL = Downcalls.capturing(
            "fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    /** fcntl's F_DUPFD_CLOEXEC. */
    private static final int F_DUPFD_CLOEXEC = 1030;

    /** mmap's MAP_FAILED, (void *) -1. */
    private static final long MAP_FAILED = -1L;

    private Libc() {}

    /** @return a file descriptor, or -errno */
    public static int open(String path, int flags) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            int fd = (int) OPEN.invokeExact(errno, call.allocateFrom(path), flags, 0);
            return fd >= 0 ? fd : -errnoOf(errno);
        } catch (Throwable unexpected) {
            throw rethrow(unexpected);
        }
    }

    /** @return 0, or -errno */
    public static int close(int fd) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            int result = (int) CLOSE.invokeExact(errno, fd);
            return result == 0 ? 0 : -errnoOf(errno);
        } catch (Throwable unexpected) {
            throw rethrow(unexpected);
        }
    }

    /**
     * A second descriptor for the same open file, close-on-exec (fcntl F_DUPFD_CLOEXEC): it stays valid
     * whatever happens to {@code fd} afterwards, until it is closed itself.
     *
     * @return the new descriptor, or -errno
     */
    public static int duplicate(int fd) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            int copy = (int) FCNTL.invokeExact(errno, fd, F_DUPFD_CLOEXEC, 0);
            return copy >= 0 ? copy : -errnoOf(errno);
        } catch (Throwable unexpected) {
            throw rethrow(unexpected);
        }
    }

    /**
     * @param argument the request's argument structure; it must stay alive for the call, which
     *                 the caller's arena guarantees
     * @return the request's non-negative result, or -errno
     */
    public static int ioctl(int fd, long request, MemorySegment argument) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            int result = (int) IOCTL.invokeExact(errno, fd, request, argument);
            return result >= 0 ? result : -errnoOf(errno);
        } catch (Throwable unexpected) {
            throw rethrow(unexpected);
        }
    }

    /**
     * Maps {@code length} bytes at an address the kernel chooses.
     *
     * @return the mapping's address, or -errno. The caller owns the mapping and must
     *     {@link #munmap} it; a segment over it (via {@code MemorySegment.ofAddress(..).reinterpret})
     *     must not be used afterwards.
     */
    public static long mmap(long length, int prot, int flags, int fd, long offset) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            long address = (long) MMAP.invokeExact(errno, MemorySegment.NULL, length, prot, flags, fd, offset);
            return address == MAP_FAILED ? -errnoOf(errno) : address;
        } catch (Throwable unexpected) {
            throw rethrow(unexpected);
        }
    }

    /**
     * Maps {@code length} bytes at {@code address} (with {@link #MAP_FIXED_NOREPLACE}, only where
     * nothing is mapped yet).
     *
     * @return the mapping's address, or -errno
     */
    public static long mmapAt(long address, long length, int prot, int flags, int fd, long offset) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            long mapped =
                    (long) MMAP.invokeExact(errno, MemorySegment.ofAddress(address), length, prot, flags, fd, offset);
            return mapped == MAP_FAILED ? -errnoOf(errno) : mapped;
        } catch (Throwable unexpected) {
            throw rethrow(unexpected);
        }
    }

    /** @return 0, or -errno */
    public static int munmap(long address, long length) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            int result = (int) MUNMAP.invokeExact(errno, address, length);
            return result == 0 ? 0 : -errnoOf(errno);
        } catch (Throwable unexpected) {
            throw rethrow(unexpected);
        }
    }

    private static int errnoOf(MemorySegment capture) {
        return Downcalls.errnoOf(capture);
    }

    private static RuntimeException rethrow(Throwable unexpected) {
        return Downcalls.rethrow(unexpected);
    }
}
