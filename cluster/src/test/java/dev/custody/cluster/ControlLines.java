package dev.custody.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A client of a cluster node's control socket: one line out, the next line in, each read within a bound. */
final class ControlLines implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;
    private final Duration bound;

    ControlLines(Path socket, Duration bound) throws IOException {
        this.channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
        this.bound = bound;
    }

    void send(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** A line of raw bytes, for what a client must not send. */
    void sendBytes(byte[] line) throws IOException {
        out.write(line);
        out.write('\n');
        out.flush();
    }

    /** The next line, or null when the server closed the connection. */
    JsonNode read() throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return in.readLine();
                    } catch (IOException e) {
                        return null; // closed by the server: the same as its end
                    }
                },
                work -> Thread.ofVirtual().start(work));
        try {
            String text = line.get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return text == null ? null : JSON.readTree(text);
        } catch (TimeoutException e) {
            fail("waited " + bound.toSeconds() + " s for a line from the control socket");
            throw e;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    JsonNode call(String line) throws Exception {
        send(line);
        return read();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
