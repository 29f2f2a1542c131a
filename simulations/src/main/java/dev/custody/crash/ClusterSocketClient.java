package dev.custody.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One request to a cluster node's request socket (docs/cluster.md), on a connection of its own, with a deadline. */
final class ClusterSocketClient {
    private ClusterSocketClient() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Blocking reads of a Unix socket cannot time out: each waits on a virtual thread, closed at the deadline. */
    private static final java.util.concurrent.ExecutorService READERS =
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    /** The answer line, or empty when the node did not answer within {@code timeout} (or is gone). */
    static Optional<JsonNode> ask(Path socket, ObjectNode request, Duration timeout) {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException gone) {
            return Optional.empty();
        }
        CompletableFuture<String> line = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        channel.write(
                                java.nio.ByteBuffer.wrap((request.toString() + "\n").getBytes(StandardCharsets.UTF_8)));
                        return new BufferedReader(
                                        new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8))
                                .readLine();
                    } catch (IOException gone) {
                        return null;
                    }
                },
                READERS);
        try {
            String answer = line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return answer == null ? Optional.empty() : Optional.of(JSON.readTree(answer));
        } catch (Exception late) {
            return Optional.empty();
        } finally {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
