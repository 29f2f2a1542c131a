package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client: reads request lines and answers them one after another (names bind in request
 * order), while a writer sends answers and events from a bounded queue. A line over the limit, a
 * queue a client never drains, or silence past the idle timeout gets an error and a disconnect.
 * When it ends, its files are closed in order ({@link Service#closed}).
 */
final class Connection {
    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);
    private static final byte[] END = new byte[0];
    private static final long FLUSH_WAIT_MILLIS = 5_000;

    private final SocketChannel channel;
    private final Service service;
    private final Limits limits;
    private final String key;
    private final PeerCredentials peer;
    private final Grant grant;
    private final HandleTable table;
    private final BlockingQueue<byte[]> outbound;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger steps = new AtomicInteger();
    private volatile boolean subscribed;
    private volatile long lastHeard = System.nanoTime();
    private volatile boolean busy;
    private volatile boolean stopReading;

    Connection(SocketChannel channel, Service service, Limits limits, PeerCredentials peer, Grant grant) {
        this.channel = channel;
        this.service = service;
        this.limits = limits;
        this.key = service.nextConnectionKey();
        this.peer = peer;
        this.grant = grant;
        this.table = service.connectionTable(key, peer);
        this.outbound = new ArrayBlockingQueue<>(limits.maxQueuedMessages());
    }

    String key() {
        return key;
    }

    PeerCredentials peer() {
        return peer;
    }

    Grant grant() {
        return grant;
    }

    HandleTable table() {
        return table;
    }

    boolean subscribed() {
        return subscribed;
    }

    void subscribe(boolean on) {
        subscribed = on;
    }

    int nextStepNumber() {
        return steps.incrementAndGet();
    }

    /** Queues a message; a client whose queue is full is not reading, and is disconnected. */
    void send(JsonNode message) {
        if (closed.get()) {
            return;
        }
        if (!outbound.offer(Messages.line(message))) {
            LOG.info("{} ({}) does not read its answers: {} messages wait; disconnecting", key, peer, outbound.size());
            close();
        }
    }

    /** Serves the connection until it ends; the caller's thread reads, a virtual thread writes. */
    void serve(ObjectNode greeting) {
        service.opened(this);
        Thread writer = Thread.ofVirtual().name(key + "-writer").start(this::write);
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
                            send(service.answer(this, line, end));
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
                byte[] message = outbound.take();
                if (message == END) {
                    return;
                }
                ByteBuffer bytes = ByteBuffer.wrap(message);
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            }
        } catch (IOException | InterruptedException gone) {
            close();
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
            outbound.clear();
            outbound.offer(END);
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing is all that was asked
            }
        }
    }
}
