package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.nativeio.libc.ChannelDescriptors;
import dev.custody.nativeio.libc.DescriptorPassing;
import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.Received;
import dev.custody.nativeio.libc.Sockets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A client that reads as QEMU would take its files from libvirt: every read is a recvmsg with room for
 * descriptors, so those that come with an answer are kept. One request at a time; the greeting is read
 * before the first is sent, so an answer never shares a read with an earlier message.
 */
final class DescriptorClient implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** One answer line and the descriptors that came with it (the test closes them). */
    record Answer(JsonNode message, int[] descriptors) {}

    private final SocketChannel channel;
    private final int fd;
    private final List<Integer> received = new ArrayList<>();
    final JsonNode greeting;

    DescriptorClient(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        fd = ChannelDescriptors.of(channel);
        greeting = next().message();
    }

    Answer call(String request) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        return next();
    }

    /**
     * holder.give-back-descriptors as a holder's process makes it: the request line, then, once the
     * server answers send-descriptors, one byte carrying {@code descriptors} (none: a plain byte, as a
     * process whose descriptors were closed would send), then the answer. When the server refuses the
     * request first, that refusal is the answer and nothing is sent.
     */
    Answer giveBack(String request, int... descriptors) throws IOException {
        Answer first = call(request);
        if (!first.message().has("send-descriptors")) {
            return first;
        }
        long sent = DescriptorPassing.send(fd, new byte[] {'\n'}, descriptors, DescriptorPassing.MSG_NOSIGNAL);
        assertTrue(sent == 1, "sendmsg: " + sent);
        return next();
    }

    /** The next line, read with recvmsg; waits at most {@link #WAIT} for each part of it. */
    private Answer next() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        List<Integer> descriptors = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            assertTrue(left > 0, "no whole line from the server within " + WAIT);
            int ready = Sockets.poll(fd, Sockets.POLLIN, (int) left);
            if (ready <= 0) {
                continue; // the time ran out (asserted above) or a signal interrupted the wait
            }
            Received got = DescriptorPassing.receive(fd, 65536, 16, 0);
            if (!(got instanceof Received.Message message)) {
                throw new IOException("recvmsg: " + got);
            }
            for (int d : message.descriptors()) {
                descriptors.add(d);
                received.add(d);
            }
            byte[] data = message.data();
            if (data.length == 0) {
                throw new java.io.EOFException("the server closed the connection");
            }
            line.write(data);
            if (data[data.length - 1] == '\n') {
                return new Answer(
                        TestClient.JSON.readTree(line.toByteArray()),
                        descriptors.stream().mapToInt(Integer::intValue).toArray());
            }
        }
    }

    /**
     * Ends this client's side of the connection (shutdown for writing), as a process that exits after it
     * was told to send its descriptors would, and reads the answer that still comes.
     */
    Answer hangUp() throws IOException {
        channel.shutdownOutput();
        return next();
    }

    /** Hands a received descriptor to the caller, who closes it: this client no longer does. */
    int forget(int descriptor) {
        received.remove(Integer.valueOf(descriptor));
        return descriptor;
    }

    @Override
    public void close() throws IOException {
        received.forEach(Libc::close);
        channel.close();
    }
}
