package dev.custody.cluster;

/** A request named an engine instance that is not in the cluster's fleet: refused, never started. */
public final class UnknownInstanceException extends IllegalArgumentException {
    UnknownInstanceException(String message) {
        super(message);
    }
}
