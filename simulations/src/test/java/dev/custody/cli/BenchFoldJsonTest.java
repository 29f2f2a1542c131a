package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** {@code custody bench fold --json}: the seed it ran with and one point per host size. */
class BenchFoldJsonTest {

    @Test
    void aSmallRunReportsItsSeedAndEachSize() throws Exception {
        CliRun run = CliRun.of(
                "bench",
                "fold",
                "--groups",
                "32,64",
                "--active-groups",
                "32",
                "--ops",
                "400",
                "--rounds",
                "1",
                "--seed",
                "3",
                "--json");
        assertEquals(0, run.status(), run.err());
        var report = new ObjectMapper().readTree(run.out());
        assertEquals(3, report.get("seed").asLong());
        assertEquals(2, report.get("points").size(), run.out());
        var first = report.get("points").get(0);
        assertEquals(32, first.get("groups").asInt());
        assertEquals(1.0, first.get("ratio").asDouble(), 1e-9, "the first size is the baseline");
        assertTrue(first.get("events").asLong() > 0, run.out());
    }
}
