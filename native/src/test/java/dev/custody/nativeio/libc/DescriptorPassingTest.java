package dev.custody.nativeio.libc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SCM_RIGHTS over a socketpair and over the JDK's own Unix socket channels, with ordinary files: what
 * arrives is a new descriptor for the same open file, and a message that is not a whole hand-over is
 * refused with its reason and leaks nothing.
 */
class DescriptorPassingTest {
    @TempDir
    Path directory;

    private final List<Integer> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(Libc::close);
    }

    private int track(int fd) {
        assertTrue(fd >= 0, "a descriptor, not -errno: " + fd);
        opened.add(fd);
        return fd;
    }

    private int[] pair() {
        int[] pair = new int[2];
        assertEquals(0, DescriptorPassing.socketpair(pair));
        track(pair[0]);
        track(pair[1]);
        return pair;
    }

    private int file(String name) {
        return track(Libc.open(directory.resolve(name).toString(), Libc.O_RDWR | Libc.O_CLOEXEC | 0x40 /* O_CREAT */));
    }

    private static String readAt(int fd, long offset, int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(length);
            long read = LibcIo.pread(fd, buffer, offset);
            assertTrue(read >= 0, "pread: " + read);
            return new String(buffer.asSlice(0, read).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aDescriptorSentIsANewDescriptorForTheSameOpenFile() {
        int[] pair = pair();
        int file = file("shared");
        assertEquals(
                5, DescriptorPassing.send(pair[0], bytes("hello"), new int[] {file}, DescriptorPassing.MSG_NOSIGNAL));

        Received.Message message =
                assertInstanceOf(Received.Message.class, DescriptorPassing.receive(pair[1], 64, 4, 0));
        assertEquals("hello", new String(message.data(), StandardCharsets.UTF_8));
        assertEquals(1, message.descriptors().length);
        int received = track(message.descriptors()[0]);
        assertNotEquals(file, received, "the kernel installed a new descriptor");

        // written through one, read through the other; and the offset is the open file's, shared
        assertEquals(4, LibcIo.write(file, "vfio"));
        assertEquals("vfio", readAt(received, 0, 16));
        assertEquals(4, LibcIo.lseek(received, 0, 1 /* SEEK_CUR */), "the write through the sender's moved it");
        assertEquals(5, LibcIo.write(received, "-cdev"));
        assertEquals("vfio-cdev", readAt(file, 0, 16));
    }

    @Test
    void severalDescriptorsArriveInTheOrderSent() throws IOException {
        int[] pair = pair();
        Files.writeString(directory.resolve("group"), "group");
        Files.writeString(directory.resolve("container"), "container");
        int group = file("group");
        int container = file("container");
        assertEquals(1, DescriptorPassing.send(pair[0], bytes("x"), new int[] {group, container, group}, 0));

        Received.Message message = assertInstanceOf(
                Received.Message.class,
                DescriptorPassing.receive(pair[1], 64, 3, 0).expecting(3));
        int[] received = message.descriptors();
        for (int fd : received) {
            track(fd);
        }
        assertEquals("group", readAt(received[0], 0, 16));
        assertEquals("container", readAt(received[1], 0, 16));
        assertEquals("group", readAt(received[2], 0, 16));
    }

    @Test
    void aMessageWithoutDescriptorsIsRefusedWhenSomeWereExpected() {
        int[] pair = pair();
        assertEquals(2, DescriptorPassing.send(pair[0], bytes("{}"), new int[0], 0));
        Received received = DescriptorPassing.receive(pair[1], 64, 1, 0);
        assertArrayEquals(
                new int[0], assertInstanceOf(Received.Message.class, received).descriptors());
        Received.Refused refused = assertInstanceOf(Received.Refused.class, received.expecting(1));
        assertTrue(refused.reason().contains("it carried no descriptor"), refused.reason());
        assertEquals("{}", new String(refused.data(), StandardCharsets.UTF_8), "the bytes are still there to read");
    }

    /**
     * Three copies of one end of a second socketpair sent, room for one: MSG_CTRUNC. That nothing of
     * it leaked is seen from the other end, which reads the end of the stream only once every
     * descriptor of its peer is closed.
     */
    @Test
    void truncatedControlDataIsRefusedAndWhatArrivedIsClosed() {
        int[] pair = pair();
        int[] watched = new int[2];
        assertEquals(0, DescriptorPassing.socketpair(watched));
        track(watched[0]);
        int[] thrice = {watched[1], watched[1], watched[1]};
        assertEquals(1, DescriptorPassing.send(pair[0], bytes("x"), thrice, 0));
        assertEquals(0, Libc.close(watched[1]), "only the message holds it now");

        Received.Refused refused =
                assertInstanceOf(Received.Refused.class, DescriptorPassing.receive(pair[1], 64, 1, 0));
        assertTrue(refused.reason().contains("MSG_CTRUNC"), refused.reason());

        Received end = DescriptorPassing.receive(watched[0], 16, 0, DescriptorPassing.MSG_DONTWAIT);
        assertEquals(
                new Received.Message(new byte[0], new int[0]),
                end,
                "the end of the stream: no copy of the peer survived (EAGAIN would mean one leaked)");
    }

    @Test
    void badInputIsAnsweredWithAnErrno() {
        int[] pair = pair();
        int file = file("any");
        assertEquals(
                -DescriptorPassing.EINVAL,
                DescriptorPassing.send(pair[0], new byte[0], new int[] {file}, 0),
                "descriptors need a byte to travel with on a stream socket");
        assertEquals(
                -DescriptorPassing.EINVAL,
                DescriptorPassing.send(pair[0], bytes("x"), new int[ControlMessages.MOST_DESCRIPTORS + 1], 0));
        assertEquals(-Libc.EBADF, DescriptorPassing.send(pair[0], bytes("x"), new int[] {999_999}, 0));
        assertEquals(new Received.Failed(88 /* ENOTSOCK */), DescriptorPassing.receive(file, 16, 1, 0));
        assertEquals(
                new Received.Failed(DescriptorPassing.EAGAIN),
                DescriptorPassing.receive(pair[1], 16, 1, DescriptorPassing.MSG_DONTWAIT),
                "nothing was sent");
    }

    @Test
    void descriptorsTravelOverTheJdksOwnUnixSocketChannels() throws IOException {
        Path socket = directory.resolve("control.sock");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(socket));
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                    SocketChannel accepted = listener.accept()) {
                int file = file("held");
                assertEquals(4, LibcIo.write(file, "held"));
                int server = ChannelDescriptors.of(accepted);
                assertEquals(3, DescriptorPassing.send(server, bytes("ok\n"), new int[] {file}, 0));

                Received.Message message = assertInstanceOf(
                        Received.Message.class,
                        DescriptorPassing.receive(ChannelDescriptors.of(client), 64, 1, 0)
                                .expecting(1));
                assertEquals("ok\n", new String(message.data(), StandardCharsets.UTF_8));
                assertEquals("held", readAt(track(message.descriptors()[0]), 0, 16));
            }
        }
    }

    @Test
    void aClosedChannelHasNoDescriptor() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        assertTrue(ChannelDescriptors.of(channel) >= 0);
        channel.close();
        assertEquals(-1, ChannelDescriptors.of(channel));
    }
}
