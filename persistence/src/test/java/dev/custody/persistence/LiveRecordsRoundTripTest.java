package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.entity.AnswerRecord;
import dev.custody.entity.HostRecord;
import dev.custody.entity.KernelJournal;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The coordinator's records of live host mode keep what the host did and what the kernel answered. */
class LiveRecordsRoundTripTest {
    private final KryoJournalSerializer serializer = new KryoJournalSerializer();

    private Object roundTrip(Object record) throws Exception {
        byte[] bytes = serializer.toBinary(record);
        return serializer.fromBinary(bytes, serializer.manifest(record));
    }

    @Test
    void aDriftedAnswerKeepsBothAnswers() throws Exception {
        HostRecord kernel = new HostRecord(
                HostRecord.CARRIED_OUT,
                "bind 0000:01:00.0 vfio-pci 1",
                new AnswerRecord("EBUSY", "the kernel answered EBUSY", ""));
        var answered = new KernelJournal.Answered(
                4, GoldenSamples.setContainer(), new AnswerRecord("ok", "", ""), Optional.of(kernel));
        assertEquals(answered, roundTrip(answered));
        assertEquals(
                "EBUSY", ((KernelJournal.Answered) roundTrip(answered)).given().result());
    }

    @Test
    void aRefusalForWantOfACapabilityStaysMarked() throws Exception {
        var refused = KernelJournal.Answered.unauthorized(
                4, GoldenSamples.setContainer(), new AnswerRecord("EPERM", "not the owner", ""));
        var read = (KernelJournal.Answered) roundTrip(refused);
        assertEquals(refused, read);
        assertTrue(read.unauthorized() && !read.decidedByRules(), "the mark survives the journal");
    }

    @Test
    void aDecisionCarriedOutKeepsItsLine() throws Exception {
        HostRecord carried =
                new HostRecord(HostRecord.CARRIED_OUT, "set-container f3 f4", new AnswerRecord("ok", "", ""));
        var decided = new KernelJournal.Decided(
                5,
                GoldenSamples.setContainer(),
                new AnswerRecord("ok", "", ""),
                GoldenSamples.events(),
                Optional.of(carried));
        assertEquals(decided, roundTrip(decided));
        var plain =
                new KernelJournal.Decided(5, GoldenSamples.setContainer(), new AnswerRecord("ok", "", ""), List.of());
        assertEquals(Optional.empty(), ((KernelJournal.Decided) roundTrip(plain)).host());
    }
}
