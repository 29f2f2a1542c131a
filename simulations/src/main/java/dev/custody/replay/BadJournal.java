package dev.custody.replay;

/** A journal that cannot be read as an engine's history; the message names the record. */
public final class BadJournal extends RuntimeException {
    public BadJournal(String message) {
        super(message);
    }
}
