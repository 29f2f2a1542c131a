package dev.custody.nativeio.host;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/** Where kernel uevents come from: the netlink socket ({@link UeventSocket}), or a test's stand-in. */
public interface UeventSource extends AutoCloseable {

    /**
     * Waits at most {@code wait} for the next kernel uevent; messages that are not one (udev's, malformed)
     * are skipped within the same wait.
     *
     * @return the event, or empty when the time ran out or events were lost (then {@link #lost()} grew)
     * @throws IOException when the source itself failed; it is then of no further use
     */
    Optional<Uevent> receive(Duration wait) throws IOException;

    /** How many times events were lost so far (a receive buffer overflowed); whoever relies on them must look again. */
    long lost();

    @Override
    void close();
}
