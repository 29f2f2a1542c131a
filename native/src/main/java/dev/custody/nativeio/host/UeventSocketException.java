package dev.custody.nativeio.host;

import dev.custody.nativeio.libc.ErrnoMessages;
import java.io.IOException;

/** A uevent socket call failed; the message names the call and the errno. */
public final class UeventSocketException extends IOException {
    private final int errno;

    UeventSocketException(String what, int errno) {
        super(what + ": " + ErrnoMessages.of(errno));
        this.errno = errno;
    }

    /** The positive errno the call failed with. */
    public int errno() {
        return errno;
    }
}
