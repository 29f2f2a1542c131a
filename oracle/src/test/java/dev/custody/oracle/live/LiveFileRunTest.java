package dev.custody.oracle.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.oracle.FileComparison;
import dev.custody.oracle.StepDisagreement;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveFileRunTest {
    private static final String UNBIND =
            "STEP {\"step\":1,\"op\":\"driver.unbind\",\"answer\":\"ok\",\"expect\":\"ok\","
                    + "\"model\":\"ok\",\"kernel\":\"ok\",\"line\":\"unbind 0000:00:03.0\"}";
    private static final String REFUSED = "STEP {\"step\":2,\"op\":\"vfio.group_open\",\"answer\":\"ENOENT\","
            + "\"model\":\"ENOENT\",\"notCarriedOut\":\"the model refused it\"}";

    private static LiveFileRun run(List<String> lines, int steps) {
        return LiveFileRun.of("f.json", "k", steps, lines, "console");
    }

    @Test
    void aStepCarriedOutWithTheModelsAnswerAgreesAndARefusedOneIsNotCompared() {
        LiveFileRun run = run(List.of("NOTE x", UNBIND, REFUSED, "END 1 carried 0 drifts"), 2);

        FileComparison c = run.comparison();
        assertTrue(c.agrees());
        assertEquals(1, c.compared());
        assertEquals(1, c.agreeing());
        assertEquals(1, run.carriedOut());
        assertEquals(1, run.modelOnly());
    }

    @Test
    void theKernelAnsweringOtherwiseIsADisagreementOnTheResultAndItsDriftIsTheFiles() {
        String drifted = "STEP {\"step\":1,\"op\":\"driver.bind\",\"answer\":\"EBUSY\",\"model\":\"ok\","
                + "\"kernel\":\"EBUSY\",\"line\":\"bind x\"}";
        LiveFileRun run =
                run(List.of(drifted, "DRIFT carried-out bind x: model ok, host EBUSY", "END 1 carried 1 drifts"), 1);

        FileComparison c = run.comparison();
        assertFalse(c.agrees());
        assertEquals(0, c.agreeing());
        assertEquals(
                List.of("result"),
                c.disagreements().stream().map(StepDisagreement::field).toList());
        assertEquals(1, run.drifts().size());
    }

    @Test
    void aDriftSeenOutsideEveryStepStillFailsTheFile() {
        LiveFileRun run = run(List.of(UNBIND, "DRIFT seen unbind: model ok, host EINVAL", "END 1 carried 1 drifts"), 1);

        assertFalse(run.comparison().agrees());
        assertEquals("(host)", run.comparison().disagreements().getFirst().op());
    }

    @Test
    void anAnswerOtherThanTheFilesExpectationIsADisagreement() {
        String step = "STEP {\"step\":1,\"op\":\"vfio.group_open\",\"answer\":\"ENOENT\",\"model\":\"ENOENT\","
                + "\"expect\":\"ok\",\"notCarriedOut\":\"the model refused it\"}";
        LiveFileRun run = run(List.of(step, "END 0 carried 0 drifts"), 1);

        assertFalse(run.comparison().agrees());
        assertEquals("expect", run.comparison().disagreements().getFirst().field());
    }

    @Test
    void aRunThatStopsEarlyFailedAndSaysWhy() {
        LiveFileRun stopped = run(List.of("SETUP the guest could not set up the starting drivers: a"), 3);
        LiveFileRun cut = run(List.of(UNBIND), 3);

        assertTrue(stopped.comparison().runFailed());
        assertTrue(stopped.comparison().skipped().orElseThrow().startsWith("the guest could not set up"));
        assertTrue(cut.comparison().runFailed());
        assertTrue(cut.comparison().skipped().orElseThrow().contains("after 1 of 3 steps"));
    }
}
