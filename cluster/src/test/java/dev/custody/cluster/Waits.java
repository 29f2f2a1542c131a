package dev.custody.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The cluster tests' one way to wait for a condition: polled, with a deadline that names what it waited for. */
final class Waits {
    private Waits() {}

    static void await(Duration bound, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited " + bound.toSeconds() + " s for " + what);
            }
            Thread.sleep(50); // polling a condition, with a deadline: not a synchronization by sleep
        }
    }
}
