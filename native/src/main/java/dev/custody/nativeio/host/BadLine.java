package dev.custody.nativeio.host;

/** A line that cannot be performed as written; it becomes an {@link AgentAnswer.Problem}, never escapes. */
final class BadLine extends Exception {
    private static final long serialVersionUID = 1L;

    BadLine(String message) {
        super(message, null, false, false);
    }
}
