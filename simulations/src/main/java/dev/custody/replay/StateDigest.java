package dev.custody.replay;

import dev.custody.model.state.KernelState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A short fingerprint of a whole state, so two processes can compare states without shipping them:
 * the SHA-256 of its text form (records and sorted maps print every field in a fixed order).
 */
public final class StateDigest {
    private StateDigest() {}

    public static String of(KernelState state) {
        try {
            byte[] hash =
                    MessageDigest.getInstance("SHA-256").digest(state.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
