package dev.custody.cluster;

/**
 * A request got no answer: the instance's engine could not start or journal it, or its node did not
 * answer in time (a node that died: its instances move to a survivor). Whether it was decided is not
 * known, so retry it under the same operation id, which is never decided twice.
 */
public final class EngineUnavailableException extends RuntimeException {
    EngineUnavailableException(String message) {
        super(message);
    }

    EngineUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
