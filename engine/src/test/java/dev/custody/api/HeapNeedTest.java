package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A host is refused at start exactly when its estimated heap is more than the JVM may use, and says so. */
class HeapNeedTest {
    private static final long MB = 1L << 20;

    @Test
    void aHostThatFitsIsNotRefused() {
        long need = HeapNeed.bytes(16_384, 30_720, false);
        assertEquals(Optional.empty(), HeapNeed.refusal(16_384, 30_720, false, need));
        assertEquals(Optional.empty(), HeapNeed.refusal(16_384, 30_720, false, 512 * MB));
    }

    @Test
    void aHostTooLargeIsRefusedWithItsSizeTheNeedAndTheHeap() {
        long need = HeapNeed.bytes(1_000_000, 1_875_000, true);
        String refusal = HeapNeed.refusal(1_000_000, 1_875_000, true, 512 * MB).orElseThrow();
        assertTrue(refusal.contains("1000000 IOMMU groups and 1875000 devices"), refusal);
        assertTrue(refusal.contains("needs about " + (need + MB - 1) / MB + " MB of heap on the actors"), refusal);
        assertTrue(refusal.contains("this JVM may use 512 MB"), refusal);
        assertTrue(HeapNeed.refusal(1_000_000, 1_875_000, true, need - 1).isPresent());
    }

    @Test
    void theActorsNeedMoreThanThePureModelAndEveryGroupCosts() {
        assertTrue(HeapNeed.bytes(4_096, 7_680, true) > HeapNeed.bytes(4_096, 7_680, false));
        assertTrue(HeapNeed.bytes(4_097, 7_681, false) > HeapNeed.bytes(4_096, 7_680, false));
    }
}
