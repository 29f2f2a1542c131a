package dev.custody.nativeio.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** An errno's symbolic name ("EBUSY") as glibc's strerrorname_np gives it, so answers name errors as C programs do. */
public final class ErrnoNames {
    /** What a number glibc has no name for is called. */
    public static final String UNKNOWN = "EUNKNOWN";

    // const char *strerrorname_np(int errnum)
    private static final MethodHandle STRERRORNAME_NP =
            Downcalls.plain("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private ErrnoNames() {}

    /** The name of {@code errno} (positive), or {@link #UNKNOWN}. */
    @SuppressWarnings("restricted") // reinterpret: the name is a NUL-terminated static string of libc
    public static String of(int errno) {
        try {
            MemorySegment name = (MemorySegment) STRERRORNAME_NP.invokeExact(errno);
            return name.equals(MemorySegment.NULL)
                    ? UNKNOWN
                    : name.reinterpret(64).getString(0);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }
}
