package dev.custody.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The caller-named operations the coordinator remembers: the newest {@link RecentOperations#BOUND}, per caller. */
class RecentOperationsTest {
    private static final AnswerRecord OK = new AnswerRecord("ok", "", "");

    @Test
    void theOldestIsForgottenPastTheBound() {
        RecentOperations recent = new RecentOperations();
        for (int n = 0; n <= RecentOperations.BOUND; n++) {
            recent.remember(new RecentOperation("vm", "op-" + n, n, OK));
        }
        assertEquals(RecentOperations.BOUND, recent.size());
        assertTrue(recent.find("vm", "op-0").isEmpty(), "the oldest is forgotten");
        assertTrue(recent.find("vm", "op-1").isPresent());
        assertTrue(recent.find("other", "op-1").isEmpty(), "an id is its caller's");
        assertEquals("op-1", recent.list().getFirst().operationId(), "oldest first, as a snapshot keeps them");
    }

    @Test
    void aLedgerKeepsThemThroughItsSnapshot() {
        CoordinatorLedger ledger = CoordinatorLedger.empty()
                .started(dev.custody.rules.ModelRandomWalkTest.topology())
                .answered(new KernelJournal.Answered(0, new CommandRecord("vm", "op-1", true, "{\"op\":\"x\"}"), OK))
                .answered(new KernelJournal.Answered(
                        0, new CommandRecord("vm", "generated-2", false, "{\"op\":\"x\"}"), OK));
        CoordinatorLedger again = CoordinatorLedger.of(ledger.snapshot());
        assertTrue(again.recent("vm", "op-1").isPresent());
        assertTrue(again.recent("vm", "generated-2").isEmpty(), "ids the engine made up are not retried by");
        assertEquals(ledger.snapshot(), again.snapshot());
        assertTrue(CoordinatorLedger.empty().kernel().isEmpty(), "the empty ledger is never changed");
    }
}
