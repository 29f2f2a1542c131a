package dev.custody.nativeio.host;

import java.util.Objects;

/** What one netlink datagram held: a kernel uevent, udev's rebroadcast of one, or something unreadable. */
public sealed interface UeventParse {

    record Event(Uevent uevent) implements UeventParse {
        public Event {
            Objects.requireNonNull(uevent);
        }
    }

    /** A message udev sent (it starts with {@code libudev}); the kernel's own message is what counts. */
    record FromUdev() implements UeventParse {}

    /** @param reason what is wrong and where in the message, without repeating the message */
    record Malformed(String reason) implements UeventParse {
        public Malformed {
            Objects.requireNonNull(reason);
        }
    }
}
