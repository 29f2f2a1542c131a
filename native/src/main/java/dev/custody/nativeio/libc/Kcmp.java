package dev.custody.nativeio.libc;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Whether two descriptors of this process refer to the same open file (one {@code struct file}, as a
 * duplicate or a descriptor received over SCM_RIGHTS does), which fstat's identity cannot tell from a
 * second open of the same inode: {@code kcmp(2)} with {@code KCMP_FILE}. glibc has no wrapper, so it is
 * called through {@code syscall(2)}; a kernel without {@code CONFIG_KCMP}, or a sandbox that forbids it,
 * answers -ENOSYS or -EPERM, and the caller does without.
 */
public final class Kcmp {
    // long syscall(long number, ...): every argument passed as a long, as the kernel reads whole registers
    private static final MethodHandle SYSCALL = Downcalls.capturing(
            "syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final long KCMP_FILE = 0;
    private static final int ENOSYS = 38;
    /** SYS_kcmp, by architecture; -1 where this class does not know it. */
    private static final long NUMBER = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 312;
        case "aarch64" -> 272;
        default -> -1;
    };

    private Kcmp() {}

    /**
     * @return 1 when {@code first} and {@code second} are the same open file, 0 when they are not, or
     *     -errno when the kernel cannot tell (ENOSYS, EPERM; EBADF for a descriptor that is not open)
     */
    public static int sameOpenFile(int first, int second) {
        if (NUMBER < 0) {
            return -ENOSYS;
        }
        long pid = ProcessHandle.current().pid();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            long result = (long) SYSCALL.invokeExact(errno, NUMBER, pid, pid, KCMP_FILE, (long) first, (long) second);
            if (result < 0) {
                return -Downcalls.errnoOf(errno);
            }
            return result == 0 ? 1 : 0;
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }
}
