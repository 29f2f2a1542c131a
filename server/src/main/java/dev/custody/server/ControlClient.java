package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A blocking client of the control socket, one request at a time: for {@code custody ctl}, the
 * benchmarks and the crash test. Events that arrive before an answer are kept in {@link #events}.
 */
public final class ControlClient implements AutoCloseable {
    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final JsonNode greeting;
    private final List<JsonNode> events = new ArrayList<>();

    private ControlClient(SocketChannel channel, java.util.Optional<String> instance) throws IOException {
        this.channel = channel;
        in.flip();
        if (instance.isPresent()) {
            ObjectNode pick = Messages.NODES.objectNode().put("instance", instance.get());
            ByteBuffer out = ByteBuffer.wrap(Messages.line(pick));
            while (out.hasRemaining()) {
                channel.write(out);
            }
        }
        this.greeting = read();
    }

    /** Connects and reads the greeting (which is an error when the server refused the connection). */
    public static ControlClient connect(Path socket) throws IOException {
        return connect(socket, java.util.Optional.empty());
    }

    /**
     * As {@link #connect(Path)}; on a cluster node's control socket, {@code instance} is the engine
     * instance the connection picks in its first line (docs/cluster.md), and the greeting answers it.
     */
    public static ControlClient connect(Path socket, java.util.Optional<String> instance) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return new ControlClient(channel, instance);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    public JsonNode greeting() {
        return greeting;
    }

    /** Events received so far (cleared by the caller as it likes). */
    public List<JsonNode> events() {
        return events;
    }

    /** Sends one request and waits for its answer. */
    public JsonNode call(ObjectNode request) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(Messages.line(request));
        while (out.hasRemaining()) {
            channel.write(out);
        }
        while (true) {
            JsonNode message = read();
            if (message.has("event")) {
                events.add(message);
            } else {
                return message;
            }
        }
    }

    /** The next message: an answer or an event. */
    public JsonNode read() throws IOException {
        while (true) {
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    line.reset();
                    return Messages.JSON.readTree(bytes);
                }
                line.write(b);
            }
            in.clear();
            int read = channel.read(in);
            in.flip();
            if (read < 0) {
                throw new EOFException("the server closed the connection");
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
