package dev.custody.nativeio.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * The socket calls a netlink listener needs, as FFM downcalls with the same convention as
 * {@link Libc}: a non-negative result on success, the negated errno (captured right after the call)
 * on failure; one confined arena per call for its short-lived native memory.
 */
public final class Sockets {

    public static final int AF_NETLINK = 16;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = 0x80000;

    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVBUF = 8;
    /** SO_RCVBUF beyond net.core.rmem_max; needs CAP_NET_ADMIN. */
    public static final int SO_RCVBUFFORCE = 33;

    public static final short POLLIN = 0x001;
    public static final short POLLOUT = 0x004;
    public static final int MSG_DONTWAIT = 0x40;

    /** struct pollfd { int fd; short events; short revents; } */
    private static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

    private static final long POLLFD_EVENTS = 4;
    private static final long POLLFD_REVENTS = 6;

    // int socket(int domain, int type, int protocol)
    private static final MethodHandle SOCKET =
            Downcalls.capturing("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    // int bind(int fd, const struct sockaddr *addr, socklen_t len)
    private static final MethodHandle BIND =
            Downcalls.capturing("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    // int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
    private static final MethodHandle SETSOCKOPT = Downcalls.capturing(
            "setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    // int poll(struct pollfd *fds, nfds_t nfds, int timeout)
    private static final MethodHandle POLL =
            Downcalls.capturing("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    // ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src, socklen_t *srclen)
    private static final MethodHandle RECVFROM = Downcalls.capturing(
            "recvfrom", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));

    private Sockets() {}

    /** @return a socket descriptor, or -errno */
    public static int socket(int domain, int type, int protocol) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            int fd = (int) SOCKET.invokeExact(errno, domain, type, protocol);
            return fd >= 0 ? fd : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /**
     * @param address a whole {@code struct sockaddr_*}; its size is the length passed
     * @return 0, or -errno
     */
    public static int bind(int fd, MemorySegment address) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            int result = (int) BIND.invokeExact(errno, fd, address, (int) address.byteSize());
            return result == 0 ? 0 : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /** An int-valued option. @return 0, or -errno */
    public static int setsockopt(int fd, int level, int name, int value) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            MemorySegment option = call.allocateFrom(JAVA_INT, value);
            int result = (int) SETSOCKOPT.invokeExact(errno, fd, level, name, option, (int) JAVA_INT.byteSize());
            return result == 0 ? 0 : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /**
     * Waits for one descriptor.
     *
     * @param timeoutMillis 0 returns at once; negative waits without end
     * @return the returned events ({@code revents}, 0 when the time ran out), or -errno (EINTR when
     *     a signal interrupted the wait)
     */
    public static int poll(int fd, short events, int timeoutMillis) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            MemorySegment pollfd = call.allocate(POLLFD);
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, POLLFD_EVENTS, events);
            int ready = (int) POLL.invokeExact(errno, pollfd, 1L, timeoutMillis);
            if (ready < 0) return -Downcalls.errnoOf(errno);
            return ready == 0 ? 0 : Short.toUnsignedInt(pollfd.get(JAVA_SHORT, POLLFD_REVENTS));
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /**
     * Receives one datagram into {@code buffer} and its sender's address into {@code source}.
     *
     * @return the datagram's length, which exceeds the buffer when the call passed MSG_TRUNC and the
     *     datagram did not fit; or -errno
     */
    public static long recvfrom(int fd, MemorySegment buffer, int flags, MemorySegment source) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            MemorySegment sourceLength = call.allocateFrom(JAVA_INT, (int) source.byteSize());
            long received =
                    (long) RECVFROM.invokeExact(errno, fd, buffer, buffer.byteSize(), flags, source, sourceLength);
            return received >= 0 ? received : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }
}
