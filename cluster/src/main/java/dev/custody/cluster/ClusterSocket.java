package dev.custody.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.entity.CommandText;
import dev.custody.model.Command;
import dev.custody.server.SocketFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A node's request socket: JSON lines, each naming its instance, answered from whichever node holds
 * it (docs/cluster.md). Commands are in the journal's form ({@link CommandText}: objects named by
 * canonical tokens such as {@code "fd:7"}), so they prove nothing about who holds a file: the socket is
 * the node owner's alone (mode 0600), as an {@code EngineAdmin} is the starter's.
 *
 * <pre>
 * {"instance":"host-3","caller":"vm-1","opid":"op-1","command":{"op":"vfio.container.open","as":"c"}}
 * {"instance":"host-3","node":"pekko://custody@10.0.0.2:2551","result":"ok","reason":"","value":{"created":"fd:3"}}
 * </pre>
 *
 * A request that is not answered gets {@code {"instance":...,"error":"..."}}; one without an {@code
 * opid} may be decided twice if it is sent again. A connection may pick its instance once, in its first
 * line ({@code {"instance":"host-3"}}, answered {@code {"instance":"host-3","selected":true}}); its
 * later lines may then leave the instance out.
 */
public final class ClusterSocket implements AutoCloseable {
    /** The longest request line; a command is a few hundred bytes. */
    static final int MAX_LINE_CHARS = 64 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServerSocketChannel listener;
    private final ClusterEngines engines;
    private final Duration timeout;
    private final Path path;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    private ClusterSocket(ServerSocketChannel listener, ClusterEngines engines, Duration timeout, Path path) {
        this.listener = listener;
        this.engines = engines;
        this.timeout = timeout;
        this.path = path;
        this.acceptor = Thread.ofPlatform().name("cluster-socket").daemon().unstarted(this::accept);
    }

    public static ClusterSocket start(Path path, ClusterEngines engines, Duration timeout) throws IOException {
        ServerSocketChannel listener = SocketFile.bind(path, PosixFilePermissions.fromString("rw-------"), 64);
        ClusterSocket socket = new ClusterSocket(listener, engines, timeout, path);
        socket.acceptor.start();
        return socket;
    }

    private void accept() {
        while (listener.isOpen()) {
            try {
                SocketChannel connection = listener.accept();
                open.add(connection);
                Thread.ofVirtual().name("cluster-connection").start(() -> serve(connection));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(SocketChannel connection) {
        try (connection;
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(Channels.newInputStream(connection), StandardCharsets.UTF_8));
                OutputStream out = Channels.newOutputStream(connection)) {
            String line;
            String[] chosen = {""}; // the instance this connection picked, if it did
            while ((line = readLine(in)) != null) {
                if (line.isBlank()) {
                    continue;
                }
                out.write((answer(line, chosen) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException gone) {
            // the caller went away; an answer it did not read is still in the journal
        } finally {
            open.remove(connection);
        }
    }

    /** One line, refused past {@link #MAX_LINE_CHARS} (the rest of the connection is not read). */
    private static String readLine(BufferedReader in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                return line.toString();
            }
            if (line.length() >= MAX_LINE_CHARS) {
                throw new IOException("request line longer than " + MAX_LINE_CHARS + " characters");
            }
            line.append((char) c);
        }
        return line.isEmpty() ? null : line.toString();
    }

    /** The answer line to one request line of a connection that picked instance {@code chosen[0]} (or none: ""). */
    String answer(String line, String[] chosen) {
        ObjectNode reply = JSON.createObjectNode();
        String instance = "";
        try {
            JsonNode request = JSON.readTree(line);
            if (!(request instanceof ObjectNode)) {
                throw new IllegalArgumentException("a request is a JSON object");
            }
            instance = text(request, "instance", chosen[0].isEmpty());
            if (instance.isEmpty()) {
                instance = chosen[0];
            }
            reply.put("instance", instance);
            JsonNode step = request.get("command");
            if (step == null && request.size() == 1) { // {"instance": ...} alone: the connection picks it
                if (!engines.instances().contains(instance)) {
                    throw new UnknownInstanceException(engines.unknown(instance));
                }
                chosen[0] = instance;
                reply.put("selected", true);
                return reply.toString();
            }
            if (!(step instanceof ObjectNode)) {
                throw new IllegalArgumentException(
                        "\"command\" must be an object such as {\"op\":\"vfio.container.open\""
                                + ",\"as\":\"c\"} (objects named by tokens such as \"fd:7\")");
            }
            Command<?> command = CommandText.read(step.toString());
            String caller = text(request, "caller", false);
            ShardReply.Answered answered = engines.decide(
                            instance,
                            command,
                            caller.isEmpty() ? "cluster-socket" : caller,
                            text(request, "opid", false),
                            timeout)
                    .toCompletableFuture()
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            reply.put("node", answered.node());
            reply.put("result", answered.answer().result());
            reply.put("reason", answered.answer().reason());
            String value = answered.answer().value();
            reply.set("value", value.isEmpty() ? JSON.nullNode() : JSON.readTree(value));
        } catch (JsonProcessingException bad) {
            reply.put("error", "not JSON: " + bad.getOriginalMessage());
        } catch (java.util.concurrent.ExecutionException failed) {
            reply.put("error", EngineShard.messageOf(failed));
        } catch (java.util.concurrent.TimeoutException late) {
            reply.put("error", "no answer from engine " + instance + " in time: retry under the same opid");
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            reply.put("error", "the node is stopping");
        } catch (RuntimeException refused) {
            reply.put("error", refused.getMessage());
        }
        return reply.toString();
    }

    private static String text(JsonNode request, String field, boolean required) {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new IllegalArgumentException("a request names its \"" + field + "\"");
            }
            return "";
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string");
        }
        return value.textValue();
    }

    @Override
    public void close() {
        try {
            listener.close();
            for (SocketChannel connection : open) {
                connection.close();
            }
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // closing anyway
        }
    }
}
