package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.nativeio.libc.ChannelDescriptors;
import dev.custody.nativeio.libc.ControlMessages;
import dev.custody.nativeio.libc.DescriptorPassing;
import dev.custody.nativeio.libc.ErrnoNames;
import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.Received;
import dev.custody.nativeio.libc.Sockets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client: reads request lines and answers them one after another (names bind in request
 * order), while a writer sends answers and events from a bounded queue. A line over the limit, a
 * queue a client never drains, or silence past the idle timeout gets an error and a disconnect.
 * When it ends, its files are closed in order ({@link Service#closed}).
 */
final class Connection extends ClientBase {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final Outgoing END = new Outgoing(new byte[0], new int[0]);
    private static final long FLUSH_WAIT_MILLIS = 5_000;

    /** One message for the writer: a line, and the descriptors that travel with it (the writer closes them). */
    private record Outgoing(byte[] line, int[] descriptors) {}

    private final SocketChannel channel;
    private final Service service;
    private final Limits limits;
    private final BlockingQueue<Outgoing> outbound;
    /** Taken to close the channel, and to duplicate its descriptor while it is surely still the channel's. */
    private final Object closing = new Object();

    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long lastHeard = System.nanoTime();
    private volatile boolean busy;
    private volatile boolean stopReading;

    Connection(SocketChannel channel, Service service, Limits limits, PeerCredentials peer, Grant grant) {
        super(service, peer, grant);
        this.channel = channel;
        this.service = service;
        this.limits = limits;
        this.outbound = new ArrayBlockingQueue<>(limits.maxQueuedMessages());
    }

    /** Queues a message; a client whose queue is full is not reading, and is disconnected. */
    @Override
    public void send(JsonNode message) {
        queue(new Outgoing(Messages.line(message), new int[0]));
    }

    /**
     * Queues an answer that carries {@code descriptors} (SCM_RIGHTS, with the line's bytes), after the
     * messages already queued. The connection owns the descriptors from now on: they are closed once
     * sent, or when the connection ends first.
     */
    @Override
    public void handOver(JsonNode answer, int[] descriptors) {
        queue(new Outgoing(Messages.line(answer), descriptors.clone()));
    }

    private void queue(Outgoing message) {
        if (closed.get() || !outbound.offer(message)) {
            closeAll(message.descriptors());
            if (!closed.get()) {
                LOG.info(
                        "{} ({}) does not read its answers: {} messages wait; disconnecting",
                        key(),
                        peer(),
                        outbound.size());
                close();
            }
        }
    }

    private static void closeAll(int[] descriptors) {
        for (int fd : descriptors) {
            Libc.close(fd);
        }
    }

    /** Serves the connection until it ends; the caller's thread reads, a virtual thread writes. */
    void serve(ObjectNode greeting) {
        service.opened(this);
        Thread writer = Thread.ofVirtual().name(key() + "-writer").start(this::write);
        try {
            send(greeting);
            read();
        } catch (IOException gone) {
            // the client went away or was disconnected: what it held is released below
        } finally {
            outbound.offer(END);
            try {
                writer.join(FLUSH_WAIT_MILLIS); // a client that does not read is not waited for longer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            close();
            service.closed(this);
        }
    }

    private void read() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        byte[] line = new byte[4096];
        int length = 0;
        while (!stopReading && channel.read(buffer) >= 0) {
            lastHeard = System.nanoTime();
            buffer.flip();
            while (buffer.hasRemaining()) {
                byte b = buffer.get();
                if (b == '\n') {
                    int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
                    if (end > 0) {
                        busy = true;
                        try {
                            ObjectNode answer = service.answer(this, line, end);
                            if (answer != null) { // null: handed over with its descriptors already
                                send(answer);
                            }
                        } finally {
                            busy = false;
                            lastHeard = System.nanoTime();
                        }
                    }
                    length = 0;
                    continue;
                }
                if (length == limits.maxLineBytes()) {
                    send(Messages.error(
                            "EMSGSIZE",
                            "a request line is limited to " + limits.maxLineBytes() + " bytes; disconnecting",
                            "server",
                            null));
                    service.metrics.refused("EMSGSIZE");
                    return;
                }
                if (length == line.length) {
                    line = Arrays.copyOf(line, Math.min(line.length * 2, limits.maxLineBytes()));
                }
                line[length++] = b;
            }
            buffer.clear();
        }
    }

    private void write() {
        try {
            while (true) {
                Outgoing message = outbound.take();
                if (message == END) {
                    return;
                }
                if (message.descriptors().length > 0) {
                    try {
                        sendWithDescriptors(message.line(), message.descriptors());
                    } finally {
                        closeAll(message.descriptors()); // the kernel holds its own references once sent
                    }
                    continue;
                }
                ByteBuffer bytes = ByteBuffer.wrap(message.line());
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
        } catch (IOException | InterruptedException gone) {
            close();
        } finally {
            for (Outgoing left; (left = outbound.poll()) != null; ) {
                closeAll(left.descriptors());
            }
        }
    }

    /**
     * The line through sendmsg with the descriptors attached to its first bytes (the JDK's channel
     * cannot send control messages). It goes out on a duplicate of the channel's descriptor, taken
     * while the channel is surely open, so a close from another thread (idle timeout, shutdown) can
     * never make the number name some other file meanwhile. The JDK may have made the socket
     * non-blocking (it does for virtual threads), so a full socket buffer is waited out with poll, for
     * at most {@link #FLUSH_WAIT_MILLIS}: a pinned carrier thread, bounded, for a rare request.
     */
    private void sendWithDescriptors(byte[] line, int[] descriptors) throws IOException {
        int socket;
        synchronized (closing) {
            if (closed.get()) {
                throw new IOException("the connection closed before the descriptors were sent");
            }
            try {
                socket = Libc.duplicate(ChannelDescriptors.of(channel));
            } catch (UnsupportedOperationException unreadable) { // checked before the request was answered
                throw new IOException("cannot read the connection's descriptor: " + unreadable.getMessage());
            }
        }
        if (socket < 0) {
            throw new IOException("cannot duplicate the connection's descriptor: " + ErrnoNames.of(-socket));
        }
        try {
            long deadline = System.nanoTime() + FLUSH_WAIT_MILLIS * 1_000_000;
            int sent = 0;
            while (sent < line.length) {
                byte[] rest = sent == 0 ? line : Arrays.copyOfRange(line, sent, line.length);
                long result = DescriptorPassing.send(
                        socket,
                        rest,
                        sent == 0 ? descriptors : new int[0],
                        DescriptorPassing.MSG_NOSIGNAL | DescriptorPassing.MSG_DONTWAIT);
                if (result >= 0) {
                    sent += (int) result;
                    continue;
                }
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (result != -DescriptorPassing.EAGAIN || left <= 0) {
                    throw new IOException("sending the descriptors failed: "
                            + (result == -DescriptorPassing.EAGAIN
                                    ? "the client did not read"
                                    : ErrnoNames.of((int) -result)));
                }
                Sockets.poll(socket, Sockets.POLLOUT, (int) Math.min(left, Integer.MAX_VALUE));
            }
        } finally {
            Libc.close(socket);
        }
    }

    /**
     * One byte and the descriptors that come with it, read with recvmsg on a duplicate of the channel's
     * descriptor (the JDK's channel reads without room for control data, and the kernel would close
     * them). The request that asks for them runs on the reading thread, and the client sends them only
     * once told to, so the channel has read nothing of them; at most one byte is taken, so a line that
     * follows is left whole. The wait pins a carrier thread, bounded by {@code waitMillis}, as a send
     * with descriptors does.
     */
    @Override
    public Received receiveDescriptors(long waitMillis) {
        int socket;
        synchronized (closing) {
            if (closed.get()) {
                return new Received.Failed(Libc.EBADF);
            }
            try {
                socket = Libc.duplicate(ChannelDescriptors.of(channel));
            } catch (UnsupportedOperationException unreadable) { // give-back checked it before asking
                return new Received.Failed(95); // EOPNOTSUPP
            }
        }
        if (socket < 0) {
            return new Received.Failed(-socket);
        }
        try {
            long deadline = System.nanoTime() + waitMillis * 1_000_000;
            while (true) {
                Received got = DescriptorPassing.receive(
                        socket, 1, ControlMessages.MOST_DESCRIPTORS, DescriptorPassing.MSG_DONTWAIT);
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (!(got instanceof Received.Failed failed && failed.errno() == DescriptorPassing.EAGAIN)
                        || left <= 0) {
                    lastHeard = System.nanoTime();
                    return got;
                }
                Sockets.poll(socket, Sockets.POLLIN, (int) Math.min(left, Integer.MAX_VALUE));
            }
        } finally {
            Libc.close(socket);
        }
    }

    /** Closes after the idle timeout when no request is being answered; true when it did. */
    boolean closeIfIdle(long now) {
        if (limits.idleTimeout().isZero() || busy || closed.get()) {
            return false;
        }
        if (now - lastHeard < limits.idleTimeout().toNanos()) {
            return false;
        }
        send(Messages.error(
                "ETIMEDOUT",
                "nothing was received for " + limits.idleTimeout().toSeconds() + " s; disconnecting",
                "server",
                null));
        service.metrics.refused("ETIMEDOUT");
        stopReading();
        return true;
    }

    /** Ends reading: the request being answered is finished and sent, then the connection closes. */
    void stopReading() {
        stopReading = true;
        try {
            channel.shutdownInput();
        } catch (IOException alreadyGone) {
            close();
        }
    }

    void close() {
        if (closed.compareAndSet(false, true)) {
            for (Outgoing left; (left = outbound.poll()) != null; ) {
                closeAll(left.descriptors());
            }
            outbound.offer(END);
            synchronized (closing) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing is all that was asked
                }
            }
        }
    }
}
