package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A client for tests: sends lines, reads answers with a deadline, keeps the events it passes over. */
final class TestClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final ExecutorService READERS = Executors.newVirtualThreadPerTaskExecutor();

    private final SocketChannel channel;
    private final Deque<byte[]> buffered = new ArrayDeque<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    final List<JsonNode> events = new ArrayList<>();
    final JsonNode greeting;

    TestClient(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        greeting = next(Duration.ofSeconds(30));
    }

    /** Sends a request and returns its answer (events before it are kept in {@link #events}). */
    JsonNode call(ObjectNode request) throws IOException {
        send(JSON.writeValueAsString(request));
        while (true) {
            JsonNode message = next(Duration.ofSeconds(60));
            if (message.has("event")) {
                events.add(message);
                continue;
            }
            return message;
        }
    }

    JsonNode call(String execute, ObjectNode arguments) throws IOException {
        ObjectNode request = JSON.createObjectNode().put("execute", execute);
        request.set("arguments", arguments);
        return call(request);
    }

    void send(String line) throws IOException {
        sendRaw((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    void sendRaw(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** The next message, or an exception when none comes within {@code wait} or the server closed. */
    JsonNode next(Duration wait) throws IOException {
        byte[] line = nextLine(wait);
        if (line == null) {
            throw new java.io.EOFException("the server closed the connection");
        }
        return JSON.readTree(line);
    }

    /** The next line, or null at the end of the stream. */
    byte[] nextLine(Duration wait) throws IOException {
        if (!buffered.isEmpty()) {
            return buffered.poll();
        }
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(this::readLine, READERS);
        try {
            return read.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            channel.close();
            throw new IOException("no message within " + wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    private byte[] readLine() {
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        try {
            while (buffered.isEmpty()) {
                buffer.clear();
                if (channel.read(buffer) < 0) {
                    return null;
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b == '\n') {
                        buffered.add(partial.toByteArray());
                        partial.reset();
                    } else {
                        partial.write(b);
                    }
                }
            }
            return buffered.poll();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** True when the server has closed the connection (reading gives the end of the stream). */
    boolean closedByServer(Duration wait) throws IOException {
        while (true) {
            byte[] line;
            try {
                line = nextLine(wait);
            } catch (IOException reset) {
                return reset.getCause() instanceof java.io.UncheckedIOException;
            }
            if (line == null) {
                return true;
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
