package dev.custody.nativeio.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The real netlink socket on this kernel: listening to the kernel's group needs no privilege. */
class UeventSocketTest {

    private final List<String> problems = new ArrayList<>();

    @Test
    void opensAndAShortReceiveReturnsWithinItsWait() {
        try (UeventSocket socket = assertTimeoutPreemptively(
                Duration.ofSeconds(5), () -> UeventSocket.open(problems::add), "opening the uevent socket")) {
            // A device elsewhere on this host may send a uevent just now; of five short waits at least
            // one sees nothing, and none outlasts its bound.
            boolean sawAnEmptyWait = false;
            for (int i = 0; i < 5 && !sawAnEmptyWait; i++) {
                Optional<Uevent> received = assertTimeoutPreemptively(
                        Duration.ofSeconds(5), () -> socket.receive(Duration.ofMillis(100)), "a 100 ms receive");
                sawAnEmptyWait = received.isEmpty();
            }
            assertTrue(sawAnEmptyWait, "five 100 ms receives each returned an event");
            assertEquals(0, socket.lost());
            assertEquals(List.of(), problems);
        }
    }

    @Test
    void aZeroWaitReturnsAtOnce() throws Exception {
        try (UeventSocket socket = UeventSocket.open(problems::add)) {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> socket.receive(Duration.ZERO), "a zero wait");
        }
    }

    @Test
    void aClosedSocketRefusesToReceiveAndClosesTwiceQuietly() throws Exception {
        UeventSocket socket = UeventSocket.open(problems::add);
        socket.close();
        socket.close();
        var error = assertThrows(IllegalStateException.class, () -> socket.receive(Duration.ZERO));
        assertEquals("the uevent socket is closed", error.getMessage());
    }

    @Test
    void aNegativeWaitIsRefused() throws Exception {
        try (UeventSocket socket = UeventSocket.open(problems::add)) {
            assertThrows(IllegalArgumentException.class, () -> socket.receive(Duration.ofMillis(-1)));
        }
    }

    @Test
    void aFailureNamesTheCallAndTheErrno() {
        var error = new UeventSocketException(
                "cannot open a kernel uevent socket: socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)", 93);
        assertEquals(
                "cannot open a kernel uevent socket: socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT):"
                        + " EPROTONOSUPPORT (protocol not supported)",
                error.getMessage());
        assertEquals(93, error.errno());
        assertEquals("errno 4095", dev.custody.nativeio.libc.ErrnoMessages.of(4095));
    }
}
