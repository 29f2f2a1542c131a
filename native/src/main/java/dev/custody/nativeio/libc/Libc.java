package dev.custody.nativeio.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

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
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;

    public static final int ENOENT = 2;
    public static final int EBADF = 9;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    /** The errno slot every downcall of this package writes; {@link Sockets} allocates it too. */
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    /** Coordinates (MemorySegment capture, long baseOffset). */
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(PathElement.groupElement("errno"));

    // int open(const char *path, int flags, ... /* mode_t mode */)
    private static final MethodHandle OPEN = downcall(
            "open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    // int close(int fd)
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // int ioctl(int fd, unsigned long request, ... /* void *arg */)
    private static final MethodHandle IOCTL = downcall(
            "ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    // void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
    private static final MethodHandle MMAP = downcall(
            "mmap", FunctionDescriptor.of(JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    // int munmap(void *addr, size_t length)
    private static final MethodHandle MUNMAP =
            downcall("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));

    /** mmap's MAP_FAILED, (void *) -1. */
    private static final long MAP_FAILED = -1L;

    private Libc() {}

    /** @return a file descriptor, or -errno */
    public static int open(String path, int flags) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(CAPTURE_LAYOUT);
            int fd = (int) OPEN.invokeExact(errno, call.allocateFrom(path), flags, 0);
            return fd >= 0 ? fd : -errnoOf(errno);
        } catch (Throwable unexpected) {
            throw rethrow(unexpected);
        }
    }

    /** @return 0, or -errno */
    public static int close(int fd) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(CAPTURE_LAYOUT);
            int result = (int) CLOSE.invokeExact(errno, fd);
            return result == 0 ? 0 : -errnoOf(errno);
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
            MemorySegment errno = call.allocate(CAPTURE_LAYOUT);
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
            MemorySegment errno = call.allocate(CAPTURE_LAYOUT);
            long address = (long) MMAP.invokeExact(errno, MemorySegment.NULL, length, prot, flags, fd, offset);
            return address == MAP_FAILED ? -errnoOf(errno) : address;
        } catch (Throwable unexpected) {
            throw rethrow(unexpected);
        }
    }

    /** @return 0, or -errno */
    public static int munmap(long address, long length) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(CAPTURE_LAYOUT);
            int result = (int) MUNMAP.invokeExact(errno, address, length);
            return result == 0 ? 0 : -errnoOf(errno);
        } catch (Throwable unexpected) {
            throw rethrow(unexpected);
        }
    }

    static int errnoOf(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    // Restricted: linking native code needs --enable-native-access, which the launcher grants.
    @SuppressWarnings("restricted")
    static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        MemorySegment symbol =
                LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** invokeExact declares Throwable; the downcalls themselves throw nothing checked. */
    static RuntimeException rethrow(Throwable unexpected) {
        if (unexpected instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (unexpected instanceof Error error) {
            throw error;
        }
        throw new IllegalStateException("downcall failed", unexpected);
    }
}
