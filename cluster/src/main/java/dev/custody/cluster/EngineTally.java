package dev.custody.cluster;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** How many engines run on this node now, and how many it started: diagnostics, and how tests see passivation. */
final class EngineTally {
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong started = new AtomicLong();

    void start() {
        started.incrementAndGet();
        running.incrementAndGet();
    }

    void gone() {
        running.decrementAndGet();
    }

    int running() {
        return running.get();
    }

    long started() {
        return started.get();
    }
}
