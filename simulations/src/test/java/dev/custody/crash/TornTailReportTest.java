package dev.custody.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the crash test says a restart on a torn H2 file did. */
class TornTailReportTest {
    private static ChildRun.Result restart(boolean done, Optional<Stall> stall, String diagnostics) {
        return new ChildRun.Result(
                done ? Optional.of(new WorkloadLine.Recovered(10, 40, "ab", 0)) : Optional.empty(),
                done,
                false,
                stall,
                0,
                done ? "status 0" : "status 1",
                diagnostics,
                List.of());
    }

    @Test
    void aRefusalCarriesH2sOwnMessage() {
        String stderr = """
                WARNING: A restricted method in java.lang.System has been called
                [ERROR] [custody-journal] Persistence failure when replaying events
                org.h2.jdbc.JdbcSQLNonTransientConnectionException: File corrupted while reading record: "chunk 83". Possible solution: use the recovery tool [90030-232]
                \tat org.h2.message.DbException.getJdbcSQLException(DbException.java:690)
                Caused by: org.h2.mvstore.MVStoreException: File corrupted in chunk 83 [2.3.232/6]
                """;
        TornTailReport report = TornTailReport.of(10, 4096, restart(false, Optional.empty(), stderr), Optional.empty());
        assertEquals(TornTailReport.REFUSED, report.outcome());
        assertEquals(
                Optional.of("org.h2.jdbc.JdbcSQLNonTransientConnectionException: File corrupted while reading"
                        + " record: \"chunk 83\". Possible solution: use the recovery tool [90030-232]"),
                report.message());
        assertEquals(
                "torn tail after cycle 10 (4096 bytes overwritten): refused: org.h2.jdbc."
                        + "JdbcSQLNonTransientConnectionException: File corrupted while reading record: \"chunk 83\"."
                        + " Possible solution: use the recovery tool [90030-232]",
                report.line());
        assertEquals("refused", report.json().get("outcome"));
    }

    @Test
    void aRefusalWithoutAnH2ExceptionSaysWhatTheChildSaid() {
        assertEquals("the engine did not start", TornTailReport.refusal("WARNING: x\n\nthe engine did not start\n"));
        assertEquals("(the child wrote no message)", TornTailReport.refusal(""));
    }

    @Test
    void aRecoveryIsCheckedAgainstTheAcknowledgementLog() {
        TornTailReport whole = TornTailReport.of(
                3, 4096, restart(true, Optional.empty(), ""), Optional.of(new Audit(40, 90, List.of(), List.of())));
        assertEquals(TornTailReport.RECOVERED, whole.outcome());
        assertEquals(
                "torn tail after cycle 3 (4096 bytes overwritten): recovered, every acknowledged operation is there",
                whole.line());

        List<String> missing = List.of("r1-c3-7: acknowledged with 2 events, not in the journal");
        TornTailReport rolledBack = TornTailReport.of(
                3, 4096, restart(true, Optional.empty(), ""), Optional.of(new Audit(38, 85, missing, List.of())));
        assertEquals(TornTailReport.RECOVERED_DIFFERENTLY, rolledBack.outcome());
        assertEquals(missing, rolledBack.json().get("missingOperations"));
        assertEquals(
                "torn tail after cycle 3 (4096 bytes overwritten): recovered-differently, 1 acknowledged operations"
                        + " missing: r1-c3-7: acknowledged with 2 events, not in the journal",
                rolledBack.line());
    }

    @Test
    void aRestartThatHangsIsStuckAndSaysWhere() {
        Stall stall = new Stall(Stall.Phase.RECOVERY, Duration.ofSeconds(120), 0);
        TornTailReport stuck = TornTailReport.of(3, 4096, restart(false, Optional.of(stall), ""), Optional.empty());
        assertEquals(TornTailReport.STUCK, stuck.outcome());
        assertEquals(
                List.of(
                        "the engine did not finish recovery within 120 s in the restart on the torn file after cycle 3"),
                stuck.problems());
    }
}
