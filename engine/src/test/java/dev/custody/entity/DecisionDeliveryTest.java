package dev.custody.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.GroupId;
import dev.custody.model.event.DeviceEvent;
import dev.custody.model.event.GroupEvent;
import dev.custody.model.event.KernelEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The coordinator's delivery protocol on its own: no actors, the time given by the test. */
class DecisionDeliveryTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final EntityId DEVICE = EntityId.of(new DeviceId("0000:00:03.0"));
    private static final EntityId GROUP = EntityId.of(new GroupId(1));
    private static final long UNKNOWN = EntityActor.UNKNOWN_PREVIOUS;

    private final DecisionDelivery<String> delivery = new DecisionDelivery<>();

    /** A decision with one event for the device (when asked) and one for the group. */
    private static KernelJournal.DecisionTaken decision(long seq, boolean device) {
        KernelEvent groupEvent = new GroupEvent.GroupDomainSet(new GroupId(1), new DomainId((int) seq));
        List<KernelEvent> events = device
                ? List.of(new DeviceEvent.DeviceAdded(new DeviceId("0000:00:03.0")), groupEvent)
                : List.of(groupEvent);
        return new KernelJournal.DecisionTaken(seq, "op-" + seq, events);
    }

    private List<DecisionDelivery.Part> send(long seq, boolean device, String caller) {
        return delivery.send(decision(seq, device), Optional.of(caller), Optional.empty(), T0);
    }

    private static List<String> described(List<DecisionDelivery.Part> parts) {
        return parts.stream()
                .map(p -> p.entity().key() + "@" + p.seq() + "<" + p.previous())
                .toList();
    }

    @Test
    void eachEntityGetsItsEventsWithTheDecisionSentToItBefore() {
        List<DecisionDelivery.Part> first = send(1, true, "a");
        assertEquals(List.of("0000:00:03.0@1<" + UNKNOWN, "1@1<" + UNKNOWN), described(first));
        assertEquals(
                List.of(new DeviceEvent.DeviceAdded(new DeviceId("0000:00:03.0"))),
                first.getFirst().events());
        assertEquals(List.of("1@2<1"), described(send(2, false, "b")), "the group is told decision 1 came before");
        assertEquals(2, delivery.lastSentTo(GROUP));
        assertEquals(1, delivery.lastSentTo(DEVICE));
    }

    @Test
    void aDecisionIsConfirmedOnceEveryEntityHasConfirmedItsPart() {
        send(1, true, "caller");
        assertEquals(Optional.empty(), delivery.confirm(DEVICE, 1));
        assertFalse(delivery.idle());
        var confirmed = delivery.confirm(GROUP, 1).orElseThrow();
        assertEquals(1, confirmed.taken().seq());
        assertEquals(Optional.of("caller"), confirmed.caller());
        assertTrue(delivery.idle());
        assertEquals(Optional.empty(), delivery.confirm(GROUP, 1), "a repeated confirmation confirms nothing twice");
        assertEquals(Optional.empty(), delivery.confirm(GROUP, 9), "nor does one for a decision never sent");
    }

    @Test
    void partsUnconfirmedForTheDelayAreSentAgainOldestFirst() {
        send(1, true, "a");
        send(2, false, "b");
        delivery.confirm(DEVICE, 1);
        Instant early = T0.plus(DecisionDelivery.RESEND_AFTER).minusMillis(1);
        assertEquals(List.of(), delivery.resendsDue(early));
        Instant due = T0.plus(DecisionDelivery.RESEND_AFTER);
        assertEquals(
                List.of("1@1<" + UNKNOWN, "1@2<1"),
                described(delivery.resendsDue(due)),
                "only what is unconfirmed, decision 1 before decision 2, each with its previous decision");
        assertEquals(List.of(), delivery.resendsDue(due.plusMillis(1)), "sent again: the delay starts over");
        assertEquals(
                2, delivery.resendsDue(due.plus(DecisionDelivery.RESEND_AFTER)).size());
    }

    @Test
    void decisionsArePublishedInDecisionOrderWhateverTheOrderOfTheirMarks() {
        assertEquals(List.of(), delivery.marked(decision(2, false)));
        assertEquals(List.of(), delivery.marked(decision(3, false)));
        assertEquals(
                List.of(1L, 2L, 3L),
                delivery.marked(decision(1, false)).stream()
                        .map(KernelJournal.DecisionTaken::seq)
                        .toList());
        assertEquals(List.of(), delivery.marked(decision(2, false)), "a decision is published once");
    }

    @Test
    void recoveryDeliversTheOpenDecisionsAndStepsOverThoseAppliedBeforeTheCrash() {
        TreeMap<Long, KernelJournal.DecisionTaken> open = new TreeMap<>();
        open.put(3L, decision(3, true));
        open.put(4L, decision(4, false));
        List<DecisionDelivery.Part> parts = delivery.recovered(5, open, T0);
        assertEquals(
                List.of("0000:00:03.0@3<" + UNKNOWN, "1@3<" + UNKNOWN, "1@4<3"),
                described(parts),
                "what came before an open decision is unknown after a crash; between open ones it is known");
        delivery.confirm(DEVICE, 3);
        var three = delivery.confirm(GROUP, 3).orElseThrow();
        assertEquals(Optional.empty(), three.caller(), "nobody waits for a decision re-driven after a crash");
        assertEquals(
                List.of(3L),
                delivery.marked(three.taken()).stream()
                        .map(KernelJournal.DecisionTaken::seq)
                        .toList(),
                "1 and 2 were applied before the crash and are stepped over");
        send(6, false, "c");
        assertEquals(List.of(), delivery.marked(decision(6, false)), "6 waits for 4, still open");
        assertEquals(
                List.of(4L, 6L),
                delivery.marked(decision(4, false)).stream()
                        .map(KernelJournal.DecisionTaken::seq)
                        .toList(),
                "5 was applied before the crash");
    }

    @Test
    void recoveryAfterARestartKeepsTheDecisionsInFlightAndTheirCallers() {
        send(1, false, "caller");
        TreeMap<Long, KernelJournal.DecisionTaken> open = new TreeMap<>();
        open.put(1L, decision(1, false));
        assertEquals(List.of(), delivery.recovered(1, open, T0), "already in flight: not sent a second time");
        assertEquals(
                Optional.of("caller"), delivery.confirm(GROUP, 1).orElseThrow().caller());
    }

    @Test
    void aDecisionSentAgainAfterLaterOnesDoesNotChangeTheirOrder() {
        send(5, false, "five");
        TreeMap<Long, KernelJournal.DecisionTaken> open = new TreeMap<>();
        open.put(3L, decision(3, false));
        open.put(5L, decision(5, false));
        assertEquals(List.of("1@3<" + UNKNOWN), described(delivery.recovered(5, open, T0)));
        assertEquals(5, delivery.lastSentTo(GROUP));
        assertEquals(List.of("1@6<5"), described(send(6, false, "six")), "6 still follows 5, not 3");
    }

    @Test
    void oneFailedWriteIsRetriedUnseenAndASecondInARowRefusesTheWaitingCallers() {
        send(1, true, "first");
        send(2, false, "second");
        send(3, true, "device only waits too");
        delivery.confirm(GROUP, 3);
        var once = delivery.writeFailed(GROUP, 1, "lock timeout", T0);
        assertFalse(once.cannotWrite());
        assertEquals(List.of(), once.refusals());
        assertEquals(List.of("1@1<" + UNKNOWN, "1@2<1"), described(once.resend()), "sent again for after its restart");

        var twice = delivery.writeFailed(GROUP, 1, "lock timeout", T0.plusSeconds(1));
        assertTrue(twice.cannotWrite());
        assertEquals(
                List.of("first", "second"),
                twice.refusals().stream().map(DecisionDelivery.Refusal::caller).toList(),
                "decision 3 does not wait for the group");
        String reason = twice.refusals().getFirst().reason();
        assertTrue(
                reason.contains("decision 1 is in the journal")
                        && reason.contains("group 1 cannot write")
                        && reason.contains("2 failed writes")
                        && reason.contains("lock timeout"),
                reason);

        delivery.confirm(DEVICE, 1);
        assertEquals(
                Optional.empty(),
                delivery.confirm(GROUP, 1).orElseThrow().caller(),
                "a refused caller is not answered as well when the write succeeds later");
    }

    @Test
    void aSuccessfulWriteOfTheFailedDecisionStartsTheCountAgain() {
        send(1, false, "first");
        send(2, false, "second");
        delivery.writeFailed(GROUP, 1, "lost", T0);
        delivery.confirm(GROUP, 1);
        assertFalse(delivery.writeFailed(GROUP, 2, "lost", T0).cannotWrite());
    }

    @Test
    void aDecisionWhoseMarkWasNotWrittenGoesBackInFlightWithItsCaller() {
        send(1, true, "caller");
        delivery.confirm(DEVICE, 1);
        var confirmed = delivery.confirm(GROUP, 1).orElseThrow();
        Instant restart = T0.plus(Duration.ofSeconds(3));
        delivery.reopen(confirmed, restart);
        assertFalse(delivery.idle());
        assertEquals(
                List.of("0000:00:03.0@1<" + UNKNOWN, "1@1<" + UNKNOWN),
                described(delivery.resendsDue(restart)),
                "due at once; the entities applied it and confirm again without writing");
        delivery.confirm(DEVICE, 1);
        assertEquals(
                Optional.of("caller"), delivery.confirm(GROUP, 1).orElseThrow().caller());
    }
}
