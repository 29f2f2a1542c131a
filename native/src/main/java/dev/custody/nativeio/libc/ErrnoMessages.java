package dev.custody.nativeio.libc;

import java.util.Map;

/**
 * The symbolic names of the errno values the native code meets, so that an error message says
 * {@code EACCES (permission denied)} rather than a bare number.
 */
public final class ErrnoMessages {

    public static final int EPERM = 1;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int EPROTONOSUPPORT = 93;
    public static final int EAFNOSUPPORT = 97;
    public static final int ENOBUFS = 105;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(EPERM, "EPERM (operation not permitted)"),
            Map.entry(Libc.ENOENT, "ENOENT (no such file or directory)"),
            Map.entry(EINTR, "EINTR (interrupted by a signal)"),
            Map.entry(Libc.EBADF, "EBADF (bad file descriptor)"),
            Map.entry(EAGAIN, "EAGAIN (try again)"),
            Map.entry(ENOMEM, "ENOMEM (out of memory)"),
            Map.entry(EACCES, "EACCES (permission denied)"),
            Map.entry(Libc.EINVAL, "EINVAL (invalid argument)"),
            Map.entry(ENFILE, "ENFILE (too many open files in the system)"),
            Map.entry(EMFILE, "EMFILE (too many open files in this process)"),
            Map.entry(Libc.ENOTTY, "ENOTTY (inappropriate ioctl)"),
            Map.entry(EPROTONOSUPPORT, "EPROTONOSUPPORT (protocol not supported)"),
            Map.entry(EAFNOSUPPORT, "EAFNOSUPPORT (address family not supported)"),
            Map.entry(ENOBUFS, "ENOBUFS (no buffer space available)"));

    private ErrnoMessages() {}

    /** The name and meaning of a positive errno, or {@code errno N} for one this table lacks. */
    public static String of(int errno) {
        return NAMES.getOrDefault(errno, "errno " + errno);
    }
}
