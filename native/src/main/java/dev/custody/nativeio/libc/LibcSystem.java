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
 * The calls about the process itself: the calling thread's id, loading a kernel module from a
 * descriptor, and the calling thread's capabilities. Same convention as {@link Libc}.
 */
public final class LibcSystem {
    /** x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
    static final long SYS_CAPGET = 125;

    static final long SYS_CAPSET = 126;
    static final long SYS_FINIT_MODULE = 313;
    /** _LINUX_CAPABILITY_VERSION_3: two 32-bit words of each set. */
    static final int CAPABILITY_VERSION_3 = 0x20080522;

    public static final int CAP_SYS_RAWIO = 17;
    public static final int CAP_SYS_ADMIN = 21;
    public static final int CAP_SYS_RESOURCE = 24;

    // pid_t gettid(void)
    private static final MethodHandle GETTID = Downcalls.capturing("gettid", FunctionDescriptor.of(JAVA_INT));
    // long syscall(long number, ...): finit_module(int fd, const char *params, int flags)
    private static final MethodHandle SYSCALL_FD_TEXT_INT = Downcalls.capturing(
            "syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(1));
    // long syscall(long number, ...): capget/capset(header, data)
    private static final MethodHandle SYSCALL_POINTER_POINTER = Downcalls.capturing(
            "syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS),
            Linker.Option.firstVariadicArg(1));

    private LibcSystem() {}

    /** The calling thread's kernel id (the {@code TID} of {@code /proc/self/task/TID}). */
    public static int gettid() {
        try (Arena call = Arena.ofConfined()) {
            return (int) GETTID.invokeExact(call.allocate(Downcalls.CAPTURE_LAYOUT));
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /** finit_module(fd, "", 0). @return 0, or -errno (EEXIST: already loaded) */
    public static int finitModule(int fd) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            long result = (long) SYSCALL_FD_TEXT_INT.invokeExact(errno, SYS_FINIT_MODULE, fd, call.allocateFrom(""), 0);
            return result == 0 ? 0 : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /**
     * Keeps only the capabilities of {@code mask} (bit n: capability n) in the calling thread's
     * effective, permitted and inheritable sets; capabilities belong to a thread, so the rest of the
     * process keeps its own. @return 0, or -errno
     */
    public static int limitCapabilities(long mask) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            MemorySegment header = call.allocate(JAVA_INT, 2);
            header.setAtIndex(JAVA_INT, 0, CAPABILITY_VERSION_3);
            header.setAtIndex(JAVA_INT, 1, 0);
            // struct __user_cap_data_struct { u32 effective, permitted, inheritable; } data[2]
            MemorySegment data = call.allocate(JAVA_INT, 6);
            long result = (long) SYSCALL_POINTER_POINTER.invokeExact(errno, SYS_CAPGET, header, data);
            if (result != 0) {
                return -Downcalls.errnoOf(errno);
            }
            for (int word = 0; word < 2; word++) {
                int part = (int) (mask >>> (32 * word));
                for (int set = 0; set < 3; set++) {
                    long index = word * 3L + set;
                    data.setAtIndex(JAVA_INT, index, data.getAtIndex(JAVA_INT, index) & part);
                }
            }
            result = (long) SYSCALL_POINTER_POINTER.invokeExact(errno, SYS_CAPSET, header, data);
            return result == 0 ? 0 : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }
}
