package dev.custody.nativeio.host;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.custody.nativeio.libc.ErrnoMessages;
import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.Sockets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The kernel's uevents, as a netlink socket ({@code NETLINK_KOBJECT_UEVENT}) bound to the kernel's
 * multicast group 1 receives them. Receiving needs no privilege: the kernel lets anyone listen to
 * that group (NL_CFG_F_NONROOT_RECV). Messages from anyone but the kernel (sender port 0) are skipped,
 * and so is udev's rebroadcast.
 *
 * <p>One thread at a time: {@link #receive} and {@link #close} are synchronized, so a close waits for
 * a receive in progress to return (at most its wait), and the descriptor is never closed under a poll.
 */
public final class UeventSocket implements UeventSource {

    public static final int NETLINK_KOBJECT_UEVENT = 15;
    /** The group the kernel sends to; udev rebroadcasts on group 2. */
    public static final int KERNEL_GROUP = 1;
    /** What the socket asks for: a burst of hot-plug events (thousands) fits before any is lost. */
    public static final int RECEIVE_BUFFER_BYTES = 16 << 20;
    /** A uevent is at most UEVENT_BUFFER_SIZE (2048) bytes of environment plus its header. */
    private static final int MESSAGE_BYTES = 8192;

    private static final int MSG_TRUNC = 0x20;

    /** struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; } */
    private static final StructLayout SOCKADDR_NL = MemoryLayout.structLayout(
            JAVA_SHORT.withName("nl_family"),
            JAVA_SHORT.withName("nl_pad"),
            JAVA_INT.withName("nl_pid"),
            JAVA_INT.withName("nl_groups"));

    private static final long NL_PID = 4;
    private static final long NL_GROUPS = 8;

    private final Arena arena;
    private final MemorySegment buffer;
    private final MemorySegment source;
    private final Consumer<String> problems;
    private int fd;
    /** Written under the lock, read without it so that asking never waits for a receive. */
    private volatile long lost;

    private UeventSocket(int fd, Consumer<String> problems) {
        this.fd = fd;
        this.problems = problems;
        this.arena = Arena.ofShared();
        this.buffer = arena.allocate(MESSAGE_BYTES);
        this.source = arena.allocate(SOCKADDR_NL);
    }

    /**
     * Opens and binds the socket.
     *
     * @param problems told, one line each, about messages skipped as malformed and about lost events
     * @throws UeventSocketException naming the call that failed and its errno (for example
     *     EPROTONOSUPPORT on a kernel without uevent netlink, EMFILE without a free descriptor)
     */
    public static UeventSocket open(Consumer<String> problems) throws UeventSocketException {
        Objects.requireNonNull(problems);
        int fd = Sockets.socket(Sockets.AF_NETLINK, Sockets.SOCK_DGRAM | Sockets.SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
        if (fd < 0) {
            throw new UeventSocketException(
                    "cannot open a kernel uevent socket: socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)", -fd);
        }
        // SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN; without it the kernel caps SO_RCVBUF.
        if (Sockets.setsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_RCVBUFFORCE, RECEIVE_BUFFER_BYTES) < 0) {
            Sockets.setsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment address = call.allocate(SOCKADDR_NL);
            address.set(JAVA_SHORT, 0, (short) Sockets.AF_NETLINK);
            address.set(JAVA_INT, NL_PID, 0); // the kernel picks the port
            address.set(JAVA_INT, NL_GROUPS, KERNEL_GROUP);
            int bound = Sockets.bind(fd, address);
            if (bound < 0) {
                Libc.close(fd);
                throw new UeventSocketException(
                        "cannot bind the kernel uevent socket to multicast group " + KERNEL_GROUP, -bound);
            }
        }
        return new UeventSocket(fd, problems);
    }

    @Override
    public synchronized Optional<Uevent> receive(Duration wait) throws UeventSocketException {
        if (wait.isNegative()) throw new IllegalArgumentException("negative wait " + wait);
        if (fd < 0) throw new IllegalStateException("the uevent socket is closed");
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            long remaining = deadline - System.nanoTime();
            int ready = Sockets.poll(fd, Sockets.POLLIN, remaining <= 0 ? 0 : millisRoundedUp(remaining));
            if (ready == -ErrnoMessages.EINTR) continue;
            if (ready < 0) throw new UeventSocketException("poll on the uevent socket", -ready);
            if (ready == 0) return Optional.empty();
            long length = Sockets.recvfrom(fd, buffer, Sockets.MSG_DONTWAIT | MSG_TRUNC, source);
            if (length == -ErrnoMessages.EAGAIN || length == -ErrnoMessages.EINTR) continue;
            if (length == -ErrnoMessages.ENOBUFS) {
                lost++;
                problems.accept("the kernel dropped uevents: the socket's receive buffer overflowed");
                return Optional.empty();
            }
            if (length < 0) throw new UeventSocketException("recvfrom on the uevent socket", (int) -length);
            Optional<Uevent> event = read((int) length);
            if (event.isPresent()) return event;
        }
    }

    /** One datagram of {@code length} bytes (its true length, which may exceed the buffer). */
    private Optional<Uevent> read(int length) {
        if (length > MESSAGE_BYTES) {
            problems.accept(
                    "skipped a uevent of " + length + " bytes, more than the " + MESSAGE_BYTES + " a uevent holds");
            return Optional.empty();
        }
        if (source.get(JAVA_INT, NL_PID) != 0) return Optional.empty(); // a process's message, not the kernel's
        byte[] message = buffer.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        return switch (UeventParser.parse(message)) {
            case UeventParse.Event e -> Optional.of(e.uevent());
            case UeventParse.FromUdev u -> Optional.empty();
            case UeventParse.Malformed m -> {
                problems.accept("skipped a malformed uevent: " + m.reason());
                yield Optional.empty();
            }
        };
    }

    private static int millisRoundedUp(long nanos) {
        long millis = (nanos + 999_999) / 1_000_000;
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }

    @Override
    public long lost() {
        return lost;
    }

    /** Closes the descriptor and frees the buffers; closing twice does nothing. */
    @Override
    public synchronized void close() {
        if (fd < 0) return;
        Libc.close(fd);
        fd = -1;
        arena.close();
    }
}
