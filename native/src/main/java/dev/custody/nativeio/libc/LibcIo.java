package dev.custody.nativeio.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Reading and writing descriptors with the kernel's own answers, which Java's streams hide behind
 * exceptions: sysfs files answer a write with the errno of the driver core, {@code /dev/kmsg} a read
 * with {@code EPIPE} or {@code EAGAIN}. Same convention as {@link Libc}: a non-negative result or
 * -errno.
 */
public final class LibcIo {
    public static final int SEEK_END = 2;

    public static final int EAGAIN = 11;
    public static final int EPIPE = 32;

    // ssize_t read(int fd, void *buf, size_t count)
    private static final MethodHandle READ =
            Downcalls.capturing("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    // ssize_t write(int fd, const void *buf, size_t count)
    private static final MethodHandle WRITE =
            Downcalls.capturing("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    // ssize_t pread(int fd, void *buf, size_t count, off_t offset)
    private static final MethodHandle PREAD =
            Downcalls.capturing("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    // ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)
    private static final MethodHandle PWRITE =
            Downcalls.capturing("pwrite", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    // off_t lseek(int fd, off_t offset, int whence)
    private static final MethodHandle LSEEK =
            Downcalls.capturing("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));

    private LibcIo() {}

    /** @return the bytes read into {@code buffer} (at most its size), or -errno */
    public static long read(int fd, MemorySegment buffer) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            long result = (long) READ.invokeExact(errno, fd, buffer, buffer.byteSize());
            return result >= 0 ? result : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /** @return the bytes read at {@code offset}, or -errno */
    public static long pread(int fd, MemorySegment buffer, long offset) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            long result = (long) PREAD.invokeExact(errno, fd, buffer, buffer.byteSize(), offset);
            return result >= 0 ? result : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /** @return the bytes of {@code buffer} written at {@code offset}, or -errno */
    public static long pwrite(int fd, MemorySegment buffer, long offset) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            long result = (long) PWRITE.invokeExact(errno, fd, buffer, buffer.byteSize(), offset);
            return result >= 0 ? result : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /** One write(2) of the text's UTF-8 bytes, as a shell's {@code echo > file} makes it. @return bytes written, or -errno */
    public static long write(int fd, String text) {
        try (Arena call = Arena.ofConfined()) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            MemorySegment buffer = call.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buffer, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            long result = (long) WRITE.invokeExact(errno, fd, buffer, (long) bytes.length);
            return result >= 0 ? result : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /** @return the new offset, or -errno */
    public static long lseek(int fd, long offset, int whence) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            long result = (long) LSEEK.invokeExact(errno, fd, offset, whence);
            return result >= 0 ? result : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }
}
