package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code custody simulate --hosts N}: the fleet's JSON, and what a fleet refuses. */
class SimulateHostsCliTest {

    @Test
    void aFleetReportsEachHostAndTheTotal() throws Exception {
        CliRun run = CliRun.of(
                "simulate",
                "--hosts",
                "3",
                "--engine",
                "rules",
                "--deterministic",
                "--seed",
                "10",
                "--groups",
                "8",
                "--ops",
                "200",
                "--json");
        assertEquals(0, run.status(), run.err());
        var report = new ObjectMapper().readTree(run.out());
        assertEquals(3, report.get("hosts").asInt());
        assertEquals(600, report.get("operations").asLong(), "three hosts of 200 calls");
        assertEquals(12, report.get("perHost").get(2).get("seed").asLong(), "host i runs seed SEED+i");
        assertEquals(0, report.get("violations").asInt());
    }

    @Test
    void oneHostsOutputsAndAnEmptyFleetAreRefused() {
        CliRun traced = CliRun.of("simulate", "--hosts", "2", "--engine", "rules", "--trace", "t.json");
        assertEquals(2, traced.status(), traced.err());
        assertTrue(traced.err().contains("describe one host's run"), traced.err());
        CliRun none = CliRun.of("simulate", "--hosts", "0", "--engine", "rules");
        assertEquals(2, none.status(), none.err());
        assertTrue(none.err().contains("--hosts must be at least 1"), none.err());
    }

    @Test
    void aTraceWindowOfNoCallsIsAUsageErrorNamingTheOption() {
        CliRun none = CliRun.of("simulate", "--engine", "rules", "--ops", "10", "--trace-window", "0");
        assertEquals(2, none.status(), none.err());
        assertTrue(none.err().contains("--trace-window keeps at least one call, not 0"), none.err());
    }
}
