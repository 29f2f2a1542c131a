package dev.custody.ops;

/** A step the oracle's guest agent cannot perform (an in-kernel call, a device the VM lacks...), and why. */
public final class NotRealisable extends Exception {
    public NotRealisable(String reason) {
        super(reason);
    }
}
