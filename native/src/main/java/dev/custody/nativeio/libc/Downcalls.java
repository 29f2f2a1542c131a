package dev.custody.nativeio.libc;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Linking libc functions with {@code errno} captured right after each returns, before the JVM can
 * run other native code that would overwrite it; shared by the classes of this package.
 */
final class Downcalls {
    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();

    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    /** Coordinates (MemorySegment capture, long baseOffset). */
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(PathElement.groupElement("errno"));

    private Downcalls() {}

    /** A downcall whose handle takes the errno capture segment as its first argument. */
    static MethodHandle capturing(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return link(name, descriptor, options);
    }

    /** A downcall of a function that never sets errno. */
    static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return link(name, descriptor);
    }

    static int errnoOf(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    // Restricted: linking native code needs --enable-native-access, which the launcher grants.
    @SuppressWarnings("restricted")
    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol =
                LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
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
