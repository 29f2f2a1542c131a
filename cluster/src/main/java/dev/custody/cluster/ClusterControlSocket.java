package dev.custody.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.server.Limits;
import dev.custody.server.PeerCredentials;
import dev.custody.server.Policy;
import dev.custody.server.SocketFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster node's control socket: the protocol of docs/protocol.md for the instance a connection
 * picks in its first line ({@code {"instance": "host-3"}}), answered by the node that holds that
 * instance. This node is only the front: it takes the client's credentials from its own kernel
 * (SO_PEERCRED), forwards each request line with them to the instance's entity through Cluster
 * Sharding, and relays the answers and events back ({@link ControlFront}). The instance's node
 * applies the access policy, keeps the connection's names and files, and answers (docs/cluster.md).
 * Of the {@link Limits}, the line length (at most {@link Sessions#MAX_RELAYED_BYTES}) and the queue of
 * a client that does not read apply; connections are not counted and not timed out when idle.
 */
public final class ClusterControlSocket implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterControlSocket.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How long a connection may wait before its first line, which picks its instance. */
    static final Duration FIRST_LINE_WAIT = Duration.ofSeconds(5);

    private static final String EXPECTED = "the first line on a cluster node's control socket picks the instance:"
            + " {\"instance\": NAME} (docs/cluster.md)";

    private final ServerSocketChannel listener;
    private final ClusterEngines engines;
    private final Duration timeout;
    private final int maxLineBytes;
    private final int maxQueuedMessages;
    private final Path path;
    private final String owner;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private ClusterControlSocket(
            ServerSocketChannel listener, ClusterEngines engines, Duration timeout, Limits limits, Path path)
            throws IOException {
        this.listener = listener;
        this.engines = engines;
        this.timeout = timeout;
        this.maxLineBytes = Math.min(limits.maxLineBytes(), Sessions.MAX_RELAYED_BYTES);
        this.maxQueuedMessages = limits.maxQueuedMessages();
        this.path = path;
        this.owner = Files.getOwner(path).getName();
        this.acceptor =
                Thread.ofPlatform().name("cluster-control-socket").daemon().unstarted(this::accept);
    }

    /**
     * Creates the socket at {@code path} with the policy's mode (the policy itself is the one every
     * node's engines were started with: {@link ClusterEngines#start(dev.custody.api.CustodyRuntime, Fleet,
     * Duration, Policy)}); {@code timeout} bounds how long a session may take to open.
     */
    public static ClusterControlSocket start(
            Path path, ClusterEngines engines, Policy policy, Limits limits, Duration timeout) throws IOException {
        ServerSocketChannel listener = SocketFile.bind(path, policy.socketMode(), 512);
        ClusterControlSocket socket = new ClusterControlSocket(listener, engines, timeout, limits, path);
        socket.acceptor.start();
        return socket;
    }

    private void accept() {
        while (listener.isOpen()) {
            try {
                SocketChannel connection = listener.accept();
                open.add(connection);
                Thread.ofVirtual().name("cluster-control-connection").start(() -> {
                    try {
                        serve(connection);
                    } finally {
                        open.remove(connection);
                    }
                });
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(SocketChannel channel) {
        try (channel;
                InputStream in = Channels.newInputStream(channel);
                OutputStream out = Channels.newOutputStream(channel)) {
            UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
            // a client of a single server waits for a greeting before it writes: tell it, rather than both wait
            AtomicBoolean answered = new AtomicBoolean();
            CompletableFuture.delayedExecutor(FIRST_LINE_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> {
                        if (answered.compareAndSet(false, true)) {
                            try {
                                refuse(
                                        out,
                                        "EINVAL",
                                        EXPECTED + "; nothing came within " + FIRST_LINE_WAIT.toSeconds() + " s");
                                channel.close();
                            } catch (IOException gone) {
                                // the client left meanwhile
                            }
                        }
                    });
            String first;
            try {
                ByteArrayOutputStream bytes = readLine(in);
                first = bytes == null ? null : text(bytes).orElse("");
            } catch (LineTooLong tooLong) {
                if (answered.compareAndSet(false, true)) {
                    refuse(out, "EMSGSIZE", tooLong.getMessage() + "; disconnecting");
                }
                return;
            }
            if (first == null || !answered.compareAndSet(false, true)) {
                return; // the client left, or was told it waited too long
            }
            String instance;
            try {
                instance = pickedInstance(first);
            } catch (IllegalArgumentException bad) {
                refuse(out, "EINVAL", bad.getMessage());
                return;
            }
            if (!engines.holds(instance)) {
                refuse(out, "ENOENT", engines.unknown(instance));
                return;
            }
            relay(channel, in, out, instance, peer);
        } catch (IOException | RuntimeException gone) {
            LOG.debug("control connection ended: {}", gone.toString());
        }
    }

    /** The instance a first line picks: {@code {"instance": NAME}}, nothing else. */
    static String pickedInstance(String line) {
        String expected = EXPECTED;
        JsonNode request;
        try {
            request = JSON.readTree(line);
        } catch (IOException notJson) {
            throw new IllegalArgumentException(expected);
        }
        if (request == null
                || !request.isObject()
                || request.size() != 1
                || !request.path("instance").isTextual()
                || request.get("instance").textValue().isBlank()) {
            throw new IllegalArgumentException(expected);
        }
        return request.get("instance").textValue();
    }

    private void relay(
            SocketChannel channel, InputStream in, OutputStream out, String instance, UnixDomainPrincipal peer)
            throws IOException {
        ControlFront.Outbox outbox = new ControlFront.Outbox(maxQueuedMessages);
        Thread writer = Thread.ofVirtual().name("cluster-control-writer").start(() -> write(channel, out, outbox));
        ControlSession session = ControlSession.open(
                engines,
                instance,
                PeerCredentials.of(peer.user().getName(), peer.group().getName()),
                owner,
                outbox,
                timeout);
        try {
            ByteArrayOutputStream line;
            while ((line = readLine(in)) != null) {
                Optional<String> text = text(line);
                if (text.isPresent()) {
                    session.send(text.get());
                } else {
                    // decoded with replacement characters it could outgrow what crosses between nodes
                    outbox.offer(Sessions.error("EINVAL", "a request line must be UTF-8 text"));
                }
            }
        } catch (LineTooLong tooLong) {
            outbox.offer(Sessions.error("EMSGSIZE", tooLong.getMessage() + "; disconnecting"));
        } catch (IOException gone) {
            // the client went away, or the session ended and closed the connection
        } finally {
            session.close();
            try {
                writer.join(timeout.plusSeconds(5)); // the answers to what the client sent, then the end
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void write(SocketChannel channel, OutputStream out, ControlFront.Outbox outbox) {
        try {
            while (true) {
                String line = outbox.take();
                if (line == ControlFront.Outbox.END) {
                    break;
                }
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException | InterruptedException gone) {
            // the client left: the reader sees it too
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing was all that was left
        }
    }

    private static void refuse(OutputStream out, String errorClass, String desc) throws IOException {
        out.write((Sessions.error(errorClass, desc) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One line's bytes without its newline, or null at the end. */
    private ByteArrayOutputStream readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return line;
            }
            if (line.size() >= maxLineBytes) {
                throw new LineTooLong("a request line is limited to " + maxLineBytes + " bytes");
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line;
    }

    /** A line over the limit: the client is told, and disconnected. */
    private static final class LineTooLong extends IOException {
        LineTooLong(String message) {
            super(message);
        }
    }

    /** The line as text (a {@code \r} before the newline dropped), or empty when it is not UTF-8. */
    private static Optional<String> text(ByteArrayOutputStream line) {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(line.toByteArray()))
                    .toString();
        } catch (CharacterCodingException notText) {
            return Optional.empty();
        }
        return Optional.of(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
    }

    public Path path() {
        return path;
    }

    /** Removes the socket and ends every connection; their sessions close on the instances' nodes. */
    @Override
    public void close() {
        try {
            listener.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("closing the control socket: {}", e.getMessage());
        }
        for (SocketChannel channel : open) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing was all that was asked
            }
        }
    }
}
