package dev.custody.api;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The name of one operation its caller may send again: after a timeout, the caller cannot tell
 * whether the engine decided, and sending the operation again under the same key ({@link
 * Custody#retrying}) gets the first answer without deciding twice. The key is 128 random bits, so no
 * other component holding the same {@link Custody} can guess it and collect the answer, and the
 * capabilities in it, of an operation it never sent.
 */
public final class RetryKey {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String operationId;

    private RetryKey(String operationId) {
        this.operationId = operationId;
    }

    /** A key no one else holds. */
    public static RetryKey random() {
        byte[] secret = new byte[16];
        RANDOM.nextBytes(secret);
        return new RetryKey("retry-" + HexFormat.of().formatHex(secret));
    }

    String operationId() {
        return operationId;
    }

    /** Not the key itself: a key printed in a log would be a key handed out. */
    @Override
    public String toString() {
        return "RetryKey[" + operationId.substring(0, 10) + "...]";
    }
}
