package dev.custody.nativeio.libc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.channels.Channel;
import java.util.Optional;

/**
 * The descriptor number behind one of the JDK's socket channels, so that {@link DescriptorPassing} can
 * send on a connection the JDK accepted.
 *
 * <p>Why this way. The JDK's Unix domain {@code SocketChannel} cannot carry control messages and has no
 * public way to give its descriptor. The other way is to accept through FFM and do all of a
 * connection's I/O through FFM; but a blocking native read pins the carrier thread of the virtual
 * thread that makes it (two carriers on a two-core host serve two connections at a time), so every
 * connection would need a platform thread and its own timeouts, half-close and close: a second socket
 * implementation for the sake of one request. So the connections stay the JDK's, and the number is
 * read through the JDK's own interface for it, {@code sun.nio.ch.SelChImpl#getFDVal}, which every JDK
 * socket channel implements (its selectors use it). The package is not exported: the JVM needs
 * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} (the launcher's jar says so in its manifest).
 * Without it {@link #unavailable()} says why, and nothing else is affected.
 *
 * <p>The number is the channel's only while the channel is open, and the JDK reuses nothing of ours
 * to keep it so (it even keeps answering the old number after a close): a caller duplicates it ({@link Libc#duplicate}) under whatever lock guards the
 * channel's close, and sends on the duplicate.
 */
public final class ChannelDescriptors {
    static final String FLAG = "--add-exports java.base/sun.nio.ch=ALL-UNNAMED";

    private static final Optional<Method> GET_FD_VAL;
    private static final String WHY_NOT;

    static {
        Method method = null;
        String why = "";
        try {
            Class<?> selectable = Class.forName("sun.nio.ch.SelChImpl");
            if (!selectable.getModule().isExported("sun.nio.ch", ChannelDescriptors.class.getModule())) {
                why = "the JVM runs without " + FLAG + ", which reading a socket's descriptor needs";
            } else {
                method = selectable.getMethod("getFDVal");
            }
        } catch (ReflectiveOperationException absent) {
            why = "this JDK has no sun.nio.ch.SelChImpl.getFDVal (" + absent + ")";
        }
        GET_FD_VAL = Optional.ofNullable(method);
        WHY_NOT = why;
    }

    private ChannelDescriptors() {}

    /** Why descriptors cannot be read here; empty when they can. */
    public static Optional<String> unavailable() {
        return GET_FD_VAL.isPresent() ? Optional.empty() : Optional.of(WHY_NOT);
    }

    /**
     * The descriptor of an open JDK socket channel; -1 once it is closed (the JDK keeps the old number
     * after the close, which another open may have reused by then).
     *
     * @throws UnsupportedOperationException when {@link #unavailable()} says why, or the channel is not
     *     one of the JDK's socket channels
     */
    public static int of(Channel channel) {
        Method method = GET_FD_VAL.orElseThrow(() -> new UnsupportedOperationException(WHY_NOT));
        if (!method.getDeclaringClass().isInstance(channel)) {
            throw new UnsupportedOperationException(channel.getClass().getName() + " is not a JDK socket channel");
        }
        if (!channel.isOpen()) {
            return -1;
        }
        try {
            return (int) method.invoke(channel);
        } catch (IllegalAccessException | InvocationTargetException failed) {
            throw new UnsupportedOperationException("cannot read the channel's descriptor: " + failed, failed);
        }
    }
}
