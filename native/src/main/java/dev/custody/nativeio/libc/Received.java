package dev.custody.nativeio.libc;

import java.util.Arrays;

/** What one {@link DescriptorPassing#receive} got: a message with its descriptors, or why there is none. */
public sealed interface Received {

    /**
     * Bytes and the descriptors that came with them (close-on-exec, the receiver's to close); no
     * descriptors when the message carried none.
     */
    record Message(byte[] data, int[] descriptors) implements Received {
        public Message {
            data = data.clone();
            descriptors = descriptors.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public int[] descriptors() {
            return descriptors.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Message m
                    && Arrays.equals(data, m.data)
                    && Arrays.equals(descriptors, m.descriptors);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(data) + Arrays.hashCode(descriptors);
        }

        @Override
        public String toString() {
            return "Message[" + data.length + " bytes, descriptors " + Arrays.toString(descriptors) + "]";
        }
    }

    /** recvmsg failed with {@code errno} (EAGAIN, EBADF, ENOTSOCK...); 0 bytes at the end of the stream is a Message. */
    record Failed(int errno) implements Received {}

    /**
     * The message came, but not whole: the control data was cut short (MSG_CTRUNC: it carried more
     * descriptors than there was room for) or the descriptors were not the ones expected. Whatever
     * descriptors did arrive were closed already, so nothing leaks; {@code reason} says what happened.
     */
    record Refused(byte[] data, String reason) implements Received {
        public Refused {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Refused r && Arrays.equals(data, r.data) && reason.equals(r.reason);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(data) + reason.hashCode();
        }
    }

    /**
     * This message when it carried exactly {@code count} descriptors; otherwise a {@link Refused} saying
     * how many came (those that did are closed).
     */
    default Received expecting(int count) {
        if (!(this instanceof Message message) || message.descriptors.length == count) {
            return this;
        }
        for (int fd : message.descriptors) {
            Libc.close(fd);
        }
        String came = message.descriptors.length == 0
                ? "no descriptor"
                : message.descriptors.length + " descriptors (closed)";
        return new Refused(message.data, "expected " + count + " descriptors with the message; it carried " + came);
    }
}
