package dev.custody.nativeio.host;

import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.LibcIo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The kernel log ({@code /dev/kmsg}), read from its end: a warning logged while a line ran makes
 * that line's success a WARN. Without the device (not root, a test's tree) nothing is ever warned.
 */
final class KernelLog implements AutoCloseable {
    private static final String WARNING = "WARNING: CPU:";
    private static final int RECORD = 2047;

    private int kmsg;

    KernelLog(HostPaths paths) {
        kmsg = Libc.open(paths.device("kmsg").toString(), Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (kmsg >= 0) {
            LibcIo.lseek(kmsg, 0, LibcIo.SEEK_END);
        }
    }

    /** Whether a warning was logged since the last call; reads every record logged meanwhile. */
    boolean warned() {
        boolean warned = false;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment record = call.allocate(RECORD);
            while (kmsg >= 0) {
                long length = LibcIo.read(kmsg, record);
                if (length == 0) {
                    break;
                }
                if (length < 0) {
                    if (length == -LibcIo.EPIPE) {
                        continue; // records overwritten before we read them
                    }
                    break;
                }
                byte[] bytes = record.asSlice(0, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                if (new String(bytes, StandardCharsets.UTF_8).contains(WARNING)) {
                    warned = true;
                }
            }
        }
        return warned;
    }

    @Override
    public void close() {
        if (kmsg >= 0) {
            Libc.close(kmsg);
            kmsg = -1;
        }
    }
}
