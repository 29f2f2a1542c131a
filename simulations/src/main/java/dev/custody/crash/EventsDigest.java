package dev.custody.crash;

import dev.custody.model.event.KernelEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** A fingerprint of a decision's events, so the parent can check the journal holds the acknowledged effect. */
final class EventsDigest {
    private EventsDigest() {}

    static String of(List<KernelEvent> events) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(events.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
