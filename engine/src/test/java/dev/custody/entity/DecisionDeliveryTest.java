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
import org.junit.jupiter.api.Test;

/** How durable decisions reach the entities, on its own: no actors, the time given by the test. */
class DecisionDeliveryTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final EntityId DEVICE = EntityId.of(new DeviceId("0000:00:03.0"));
    private static final EntityId GROUP = EntityId.of(new GroupId(1));
    private static final long UNKNOWN = EntityActor.UNKNOWN_PREVIOUS;

    private final DecisionDelivery delivery = new DecisionDelivery();

    /** A decision with one event for the device (when asked) and one for the group. */
    private static KernelJournal.DecisionTaken decision(long seq, boolean device) {
        KernelEvent groupEvent = new GroupEvent.GroupDomainSet(new GroupId(1), new DomainId((int) seq));
        List<KernelEvent> events = device
                ? List.of(new DeviceEvent.DeviceAdded(new DeviceId("0000:00:03.0")), groupEvent)
                : List.of(groupEvent);
        return new KernelJournal.DecisionTaken(seq, "op-" + seq, events);
    }

    private List<DecisionDelivery.Batch> send(long seq, boolean device) {
        return delivery.send(decision(seq, device), T0);
    }

    /** "entity: seqs <previous" per batch. */
    private static List<String> described(List<DecisionDelivery.Batch> batches) {
        return batches.stream()
                .map(b -> b.entity().key() + ":"
                        + b.events().stream()
                                .map(s -> Long.toString(s.seq()))
                                .distinct()
                                .toList() + "<" + b.previous())
                .toList();
    }

    @Test
    void eachEntityGetsItsOwnEventsOfADecision() {
        List<DecisionDelivery.Batch> first = send(1, true);
        assertEquals(List.of("0000:00:03.0:[1]<" + UNKNOWN, "1:[1]<" + UNKNOWN), described(first));
        assertEquals(
                List.of(new Stamped(1, new DeviceEvent.DeviceAdded(new DeviceId("0000:00:03.0")))),
                first.getFirst().events());
        assertEquals(1, delivery.lastSentTo(GROUP));
        assertEquals(1, delivery.lastSentTo(DEVICE));
    }

    @Test
    void decisionsForABusyEntityWaitAndGoOutTogetherWithWhatItConfirmedBefore() {
        send(1, true);
        assertEquals(List.of(), send(2, false), "the group's batch of decision 1 is still in flight");
        assertEquals(List.of(), send(3, false));
        assertEquals(3, delivery.lastSentTo(GROUP), "queued decisions count as sent for reads that wait for them");
        assertEquals(List.of(), delivery.confirm(DEVICE, 1, T0), "the device has nothing more to write");
        assertEquals(List.of("1:[2, 3]<1"), described(delivery.confirm(GROUP, 1, T0)));
        assertEquals(List.of(), delivery.confirm(GROUP, 1, T0), "a repeated confirmation changes nothing");
        assertEquals(1, delivery.appliedThrough());
        delivery.confirm(GROUP, 3, T0);
        assertEquals(3, delivery.appliedThrough());
        assertTrue(delivery.idle());
    }

    @Test
    void onlyTheExceptedEntitiesMayOweDecisionsForTheDeliveryToBeIdleButThem() {
        send(1, true);
        send(2, false);
        assertFalse(delivery.idleBut(DEVICE::equals), "the group owes decisions 1 and 2");
        delivery.confirm(GROUP, 1, T0);
        delivery.confirm(GROUP, 2, T0);
        assertFalse(delivery.idle(), "the device owes decision 1");
        assertTrue(delivery.idleBut(DEVICE::equals), "a stuck device is not waited for");
        assertFalse(delivery.idleBut(GROUP::equals), "the group is not the one that owes");
        assertEquals(0, delivery.appliedThrough(), "the mark stays before what the device owes");
        delivery.confirm(DEVICE, 1, T0);
        assertTrue(delivery.idleBut(entity -> false));
    }

    @Test
    void appliedThroughWaitsForTheSlowestEntity() {
        send(1, true);
        delivery.confirm(GROUP, 1, T0);
        assertEquals(0, delivery.appliedThrough(), "the device has not written decision 1");
        send(2, false);
        delivery.confirm(GROUP, 2, T0);
        assertEquals(0, delivery.appliedThrough(), "decision 2 is written, 1 is not: nothing moves");
        delivery.confirm(DEVICE, 1, T0);
        assertEquals(2, delivery.appliedThrough());
    }

    @Test
    void aBatchUnconfirmedForTheDelayIsSentAgain() {
        send(1, true);
        delivery.confirm(DEVICE, 1, T0);
        Instant early = T0.plus(DecisionDelivery.RESEND_AFTER).minusMillis(1);
        assertEquals(List.of(), delivery.resendsDue(early));
        Instant due = T0.plus(DecisionDelivery.RESEND_AFTER);
        assertEquals(List.of("1:[1]<" + UNKNOWN), described(delivery.resendsDue(due)));
        assertEquals(List.of(), delivery.resendsDue(due.plusMillis(1)), "not again before another delay");
    }

    @Test
    void aBatchThatStaysUnconfirmedWaitsTwiceAsLongEachTimeUntilItsEntityAnswers() {
        send(1, true);
        delivery.confirm(DEVICE, 1, T0);
        Instant first = T0.plus(DecisionDelivery.RESEND_AFTER);
        assertEquals(1, delivery.resendsDue(first).size());
        Instant second = first.plus(DecisionDelivery.RESEND_AFTER.multipliedBy(2));
        assertEquals(List.of(), delivery.resendsDue(second.minusMillis(1)), "the second wait is twice the first");
        assertEquals(1, delivery.resendsDue(second).size());
        Instant late = second;
        for (int resend = 0; resend < 5; resend++) { // 2 s, 4 s, 8 s, 16 s, and the wait no longer grows
            late = late.plus(Duration.ofHours(1));
            assertEquals(1, delivery.resendsDue(late).size());
        }
        assertEquals(
                List.of(),
                delivery.resendsDue(
                        late.plus(DecisionDelivery.LONGEST_RESEND_WAIT).minusMillis(1)),
                "the wait stops growing at the longest");
        assertEquals(
                1,
                delivery.resendsDue(late.plus(DecisionDelivery.LONGEST_RESEND_WAIT))
                        .size());

        Instant confirmedAt = late.plus(DecisionDelivery.LONGEST_RESEND_WAIT);
        delivery.confirm(GROUP, 1, confirmedAt);
        delivery.send(decision(2, false), confirmedAt);
        assertEquals(
                List.of(),
                delivery.resendsDue(
                        confirmedAt.plus(DecisionDelivery.RESEND_AFTER).minusMillis(1)));
        assertEquals(
                1,
                delivery.resendsDue(confirmedAt.plus(DecisionDelivery.RESEND_AFTER))
                        .size(),
                "a confirmed entity's next batch waits the first delay again");
    }

    @Test
    void recoveryDeliversTheOpenDecisionsAndKnowsTheEarlierOnesApplied() {
        List<DecisionDelivery.Batch> parts = delivery.recovered(5, List.of(decision(4, true), decision(5, false)), T0);
        assertEquals(List.of("0000:00:03.0:[4]<" + UNKNOWN, "1:[4]<" + UNKNOWN), described(parts));
        assertEquals(3, delivery.appliedThrough(), "1..3 were applied before the crash");
        delivery.confirm(DEVICE, 4, T0);
        assertEquals(List.of("1:[5]<4"), described(delivery.confirm(GROUP, 4, T0)));
        delivery.confirm(GROUP, 5, T0);
        assertEquals(5, delivery.appliedThrough());
    }

    @Test
    void recoveryAfterARestartLeavesDecisionsInFlightAsTheyAre() {
        send(1, true);
        assertEquals(
                List.of(),
                delivery.recovered(1, List.of(decision(1, true)), T0.plus(Duration.ofSeconds(1))),
                "still in flight: not sent twice");
    }

    @Test
    void oneFailedWriteIsRetriedAndASecondInARowMeansTheEntityCannotWrite() {
        send(1, false);
        DecisionDelivery.WriteFailure first = delivery.writeFailed(GROUP, 1, "disk full", T0);
        assertEquals(List.of("1:[1]<" + UNKNOWN), described(first.resend()));
        assertFalse(first.cannotWrite());
        DecisionDelivery.WriteFailure second = delivery.writeFailed(GROUP, 1, "disk full", T0);
        assertTrue(second.cannotWrite());
        assertTrue(second.reason().contains("group 1 cannot write")
                && second.reason().contains("disk full"));
        delivery.confirm(GROUP, 1, T0);
        send(2, false);
        assertFalse(delivery.writeFailed(GROUP, 2, "again", T0).cannotWrite(), "a write went through: counted anew");
    }

    @Test
    void anIdleEntityIsForgottenAndItsNextBatchSaysPreviousUnknown() {
        send(1, false);
        delivery.forget(GROUP);
        assertFalse(delivery.idle(GROUP), "not forgotten while a batch is in flight");
        delivery.confirm(GROUP, 1, T0);
        assertTrue(delivery.idle(GROUP));
        delivery.forget(GROUP);
        assertEquals(List.of("1:[2]<" + UNKNOWN), described(send(2, false)));
    }

    @Test
    void gatheredDecisionsGoOutTogetherWhenReleased() {
        DecisionDelivery gathering = DecisionDelivery.gathering();
        assertEquals(List.of(), gathering.send(decision(1, true), T0), "nothing goes out while it gathers");
        assertEquals(List.of(), gathering.send(decision(2, false), T0));
        assertTrue(gathering.anyGathered());
        assertFalse(gathering.idle(), "gathered decisions are owed");
        assertEquals(2, gathering.lastSentTo(GROUP), "a read of the group must wait for the gathered decisions");

        assertEquals(
                List.of("0000:00:03.0:[1]<" + UNKNOWN, "1:[1, 2]<" + UNKNOWN),
                described(gathering.releaseGathered(T0)),
                "one batch per entity, with every decision gathered for it");
        assertFalse(gathering.anyGathered());
        assertEquals(List.of(), gathering.releaseGathered(T0), "released once");
    }

    @Test
    void anEntitySomebodyWaitsForIsReleasedAloneAndTheOthersKeepGathering() {
        DecisionDelivery gathering = DecisionDelivery.gathering();
        gathering.send(decision(1, true), T0);
        assertEquals(List.of("1:[1]<" + UNKNOWN), described(gathering.releaseGathered(GROUP, T0)));
        assertEquals(List.of(), gathering.releaseGathered(GROUP, T0));
        assertEquals(List.of("0000:00:03.0:[1]<" + UNKNOWN), described(gathering.releaseGathered(T0)));
    }

    @Test
    void anEntityWithABatchInFlightGetsItsNextOnConfirmationNotOnRelease() {
        DecisionDelivery gathering = DecisionDelivery.gathering();
        gathering.send(decision(1, false), T0);
        gathering.releaseGathered(T0);
        gathering.send(decision(2, false), T0);
        assertEquals(List.of(), gathering.releaseGathered(T0), "batch 1 is still in flight");
        assertEquals(List.of("1:[2]<1"), described(gathering.confirm(GROUP, 1, T0)));
    }
}
