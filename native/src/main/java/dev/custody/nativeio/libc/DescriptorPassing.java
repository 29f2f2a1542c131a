package dev.custody.nativeio.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Handing open descriptors to another process over a Unix domain socket, as libvirt hands QEMU the
 * VFIO and iommufd files it opened: {@code sendmsg} with one {@code SCM_RIGHTS} control message, and
 * {@code recvmsg} on the other side. The kernel installs a new descriptor in the receiver for each one
 * sent, referring to the same open file (the same offset, flags and, for VFIO, the same group or
 * device ownership). Java's {@code SocketChannel} for Unix sockets cannot carry control messages,
 * hence these downcalls. Same convention as {@link Libc}: a non-negative result or -errno.
 */
public final class DescriptorPassing {
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SCM_RIGHTS = 1;

    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    /** No SIGPIPE when the peer has gone: EPIPE instead. */
    public static final int MSG_NOSIGNAL = 0x4000;
    /** Received descriptors are close-on-exec, so a fork+exec of ours never leaks them. */
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;

    public static final int EAGAIN = 11;
    public static final int EINVAL = 22;

    // int socketpair(int domain, int type, int protocol, int sv[2])
    private static final MethodHandle SOCKETPAIR =
            Downcalls.capturing("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    // ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
    private static final MethodHandle SENDMSG =
            Downcalls.capturing("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    // ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
    private static final MethodHandle RECVMSG =
            Downcalls.capturing("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    private DescriptorPassing() {}

    /**
     * A connected pair of Unix stream sockets (close-on-exec), written into {@code pair}.
     *
     * @return 0, or -errno
     */
    public static int socketpair(int[] pair) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            MemorySegment fds = call.allocate(JAVA_INT, 2);
            int result = (int) SOCKETPAIR.invokeExact(errno, AF_UNIX, SOCK_STREAM | Sockets.SOCK_CLOEXEC, 0, fds);
            if (result != 0) {
                return -Downcalls.errnoOf(errno);
            }
            pair[0] = fds.getAtIndex(JAVA_INT, 0);
            pair[1] = fds.getAtIndex(JAVA_INT, 1);
            return 0;
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /**
     * One sendmsg of {@code data} with {@code descriptors} attached as one SCM_RIGHTS message (none:
     * no control data). The kernel takes its own reference to each file before it returns, so the
     * caller may close its descriptors afterwards. On a stream socket the descriptors travel with the
     * first byte; the call may send fewer bytes than given (the result says how many), and the rest
     * is then sent without descriptors.
     *
     * @param flags MSG_* flags, {@link #MSG_NOSIGNAL} and {@link #MSG_DONTWAIT} in particular
     * @return the bytes sent, or -errno; -EINVAL without calling the kernel when descriptors come with
     *     no byte to carry them or are more than {@link ControlMessages#MOST_DESCRIPTORS}
     */
    public static long send(int socket, byte[] data, int[] descriptors, int flags) {
        if ((descriptors.length > 0 && data.length == 0) || descriptors.length > ControlMessages.MOST_DESCRIPTORS) {
            return -EINVAL;
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            MemorySegment bytes = call.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, bytes, JAVA_BYTE, 0, data.length);
            MemorySegment message = message(call, bytes, data.length);
            if (descriptors.length > 0) {
                long payload = (long) descriptors.length * Integer.BYTES;
                MemorySegment control = call.allocate(ControlMessages.space(payload), ControlMessages.SIZE_T);
                control.set(JAVA_LONG, 0, ControlMessages.length(payload));
                control.set(JAVA_INT, ControlMessages.CMSG_LEVEL, Sockets.SOL_SOCKET);
                control.set(JAVA_INT, ControlMessages.CMSG_TYPE, SCM_RIGHTS);
                for (int i = 0; i < descriptors.length; i++) {
                    control.set(JAVA_INT, ControlMessages.dataOffset() + (long) i * Integer.BYTES, descriptors[i]);
                }
                message.set(ADDRESS, ControlMessages.MSG_CONTROL, control);
                message.set(JAVA_LONG, ControlMessages.MSG_CONTROLLEN, control.byteSize());
            }
            long sent = (long) SENDMSG.invokeExact(errno, socket, message, flags);
            return sent >= 0 ? sent : -Downcalls.errnoOf(errno);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /**
     * One recvmsg of at most {@code maxBytes}, with room for {@code maxDescriptors} descriptors. The
     * descriptors are received close-on-exec. When the control data was cut short (MSG_CTRUNC: more
     * descriptors came than there was room for; the kernel closes those that did not fit) the ones
     * that did fit are closed too and the answer is {@link Received.Refused}: a part of a hand-over is
     * not one.
     *
     * @param flags MSG_* flags ({@link #MSG_DONTWAIT}); MSG_CMSG_CLOEXEC is always added
     */
    public static Received receive(int socket, int maxBytes, int maxDescriptors, int flags) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment errno = call.allocate(Downcalls.CAPTURE_LAYOUT);
            MemorySegment bytes = call.allocate(Math.max(1, maxBytes));
            MemorySegment message = message(call, bytes, maxBytes);
            MemorySegment control = MemorySegment.NULL;
            if (maxDescriptors > 0) {
                control = call.allocate(
                        ControlMessages.space((long) maxDescriptors * Integer.BYTES), ControlMessages.SIZE_T);
                message.set(ADDRESS, ControlMessages.MSG_CONTROL, control);
                message.set(JAVA_LONG, ControlMessages.MSG_CONTROLLEN, control.byteSize());
            }
            long received = (long) RECVMSG.invokeExact(errno, socket, message, flags | MSG_CMSG_CLOEXEC);
            if (received < 0) {
                return new Received.Failed(Downcalls.errnoOf(errno));
            }
            byte[] data = bytes.asSlice(0, received).toArray(JAVA_BYTE);
            long controlLength = message.get(JAVA_LONG, ControlMessages.MSG_CONTROLLEN);
            int[] descriptors = descriptors(control, controlLength);
            int messageFlags = message.get(JAVA_INT, ControlMessages.MSG_FLAGS);
            if ((messageFlags & MSG_CTRUNC) != 0) {
                for (int fd : descriptors) {
                    Libc.close(fd);
                }
                return new Received.Refused(
                        data,
                        "the control data was truncated (MSG_CTRUNC): the message carried more descriptors than"
                                + " the room given for " + maxDescriptors + "; the " + descriptors.length
                                + " that arrived were closed and the kernel closed the rest");
            }
            return new Received.Message(data, descriptors);
        } catch (Throwable unexpected) {
            throw Downcalls.rethrow(unexpected);
        }
    }

    /** A msghdr with no address and one iovec over {@code length} bytes of {@code bytes}. */
    private static MemorySegment message(Arena call, MemorySegment bytes, long length) {
        MemorySegment iovec = call.allocate(ControlMessages.IOVEC);
        iovec.set(ADDRESS, 0, bytes);
        iovec.set(JAVA_LONG, ADDRESS.byteSize(), length);
        MemorySegment message = call.allocate(ControlMessages.MSGHDR); // zeroed: no name, no control
        message.set(ADDRESS, ControlMessages.MSG_IOV, iovec);
        message.set(JAVA_LONG, ControlMessages.MSG_IOVLEN, 1L);
        return message;
    }

    /** The descriptors of every SCM_RIGHTS message in the first {@code length} bytes of control data. */
    private static int[] descriptors(MemorySegment control, long length) {
        List<Integer> found = new ArrayList<>();
        long header = ControlMessages.CMSGHDR.byteSize();
        long offset = 0;
        while (offset + header <= length) {
            long messageLength = control.get(JAVA_LONG, offset);
            if (messageLength < header || offset + messageLength > length) {
                break; // a malformed header: CMSG_NXTHDR stops here too
            }
            int level = control.get(JAVA_INT, offset + ControlMessages.CMSG_LEVEL);
            int type = control.get(JAVA_INT, offset + ControlMessages.CMSG_TYPE);
            if (level == Sockets.SOL_SOCKET && type == SCM_RIGHTS) {
                long count = (messageLength - ControlMessages.dataOffset()) / Integer.BYTES;
                for (long i = 0; i < count; i++) {
                    found.add(control.get(JAVA_INT, offset + ControlMessages.dataOffset() + i * Integer.BYTES));
                }
            }
            offset += ControlMessages.align(messageLength);
        }
        return found.stream().mapToInt(Integer::intValue).toArray();
    }
}
