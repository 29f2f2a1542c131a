package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.trace.TraceEventFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code simulate --trace} and {@code --report}: what they write, and what they refuse before running. */
class SimulateTraceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aDeterministicRunsTraceHasATrackPerGroupAndDeviceAndEveryCall() throws IOException {
        Path trace = dir.resolve("run.json");
        CliRun run = CliRun.of(
                "simulate",
                "--engine",
                "rules",
                "--deterministic",
                "--seed",
                "7",
                "--groups",
                "8",
                "--ops",
                "3000",
                "--json",
                "--trace",
                trace.toString());
        assertEquals(0, run.status(), run.err());
        var contents = TraceEventFormat.check(JSON.readTree(trace.toFile()));

        assertEquals(
                Set.of("decisions", "IOMMU groups", "devices"),
                Set.copyOf(contents.processNames().values()));
        long groupTracks = contents.trackNames().entrySet().stream()
                .filter(t -> contents.processNames().get(t.getKey().pid()).equals("IOMMU groups"))
                .count();
        assertEquals(8, groupTracks, "one track per group");
        assertEquals(8, contents.otherData().get("groupTracks").asInt());
        assertTrue(
                contents.otherData().get("deviceTracks").asInt() >= 8,
                contents.otherData().toString());

        List<JsonNode> calls = contents.onTrack("decisions", "decisions").stream()
                .filter(e -> e.get("ph").asText().equals("i"))
                .toList();
        assertEquals(3000, calls.size(), "every call is an instant");
        assertTrue(
                calls.stream()
                        .anyMatch(e -> e.get("args").has("errno")
                                && !e.get("args").get("errno").asText().isEmpty()),
                "a refusal carries its errno");
        assertTrue(calls.stream().allMatch(e -> e.get("args").has("operationId")));

        Set<String> categories = contents.inProcess("IOMMU groups").stream()
                .filter(e -> e.get("ph").asText().equals("B"))
                .map(e -> e.get("cat").asText())
                .collect(Collectors.toSet());
        assertTrue(categories.containsAll(Set.of("kernel", "user")), "kernel DMA and user owner spans: " + categories);
        assertTrue(
                contents.otherData().get("clock").asText().startsWith("sequence"),
                contents.otherData().toString());

        Path again = dir.resolve("again.json");
        CliRun second = CliRun.of(
                "simulate",
                "--engine",
                "rules",
                "--deterministic",
                "--seed",
                "7",
                "--groups",
                "8",
                "--ops",
                "3000",
                "--json",
                "--trace",
                again.toString());
        assertEquals(0, second.status(), second.err());
        assertArrayEquals(Files.readAllBytes(trace), Files.readAllBytes(again), "the same seed, the same trace");
    }

    @Test
    void aConcurrentRunOnTheJournaledEngineTracesEveryCallOnTheWallClock() throws IOException {
        Path trace = dir.resolve("concurrent.json");
        CliRun run = CliRun.of(
                "simulate",
                "--journal",
                "memory",
                "--seed",
                "5",
                "--groups",
                "6",
                "--ops",
                "2000",
                "--json",
                "--trace",
                trace.toString());
        assertEquals(0, run.status(), run.err());
        var contents = TraceEventFormat.check(JSON.readTree(trace.toFile()));
        long calls = contents.onTrack("decisions", "decisions").stream()
                .filter(e -> e.get("ph").asText().equals("i"))
                .count();
        assertEquals(2000, calls, "journaled decisions and calls that changed nothing");
        assertTrue(contents.otherData().get("clock").asText().startsWith("wall clock"));
    }

    @Test
    void aViolationIsMarkedOverTheWholeTraceAndOnItsObjects() throws IOException {
        Path trace = dir.resolve("bug.json");
        CliRun run = CliRun.of(
                "simulate",
                "--mutant",
                "claim-ignores-kernel-users",
                "--deterministic",
                "--seed",
                "1",
                "--json",
                "--trace",
                trace.toString());
        assertEquals(1, run.status(), run.err());
        var contents = TraceEventFormat.check(JSON.readTree(trace.toFile()));
        List<JsonNode> marks = contents.events().stream()
                .filter(e -> e.path("cat").asText().equals("violation"))
                .toList();
        assertTrue(marks.stream().anyMatch(e -> e.get("s").asText().equals("g")), "a global violation mark");
        assertTrue(marks.stream().allMatch(e -> e.get("name").asText().startsWith("VIOLATION ")), marks.toString());
        assertTrue(contents.otherData().get("violations").asInt() >= 1);
    }

    @Test
    void theReportHasItsDataBesideIt() throws IOException {
        Path report = dir.resolve("r.html");
        CliRun run = CliRun.of(
                "simulate",
                "--engine",
                "rules",
                "--deterministic",
                "--seed",
                "3",
                "--ops",
                "1000",
                "--report",
                report.toString());
        assertEquals(0, run.status(), run.err());
        String html = Files.readString(report);
        assertTrue(html.contains("class=\"axis x-axis\""), "axes");
        assertTrue(html.contains("latency per call (log scale)"), "log-scale latency");
        assertTrue(html.contains("href=\"r.json\"") && html.contains("href=\"r.hgrm\""), "names its data files");
        JsonNode data = JSON.readTree(dir.resolve("r.json").toFile());
        assertEquals(1000, data.get("ops").asInt());
        assertTrue(data.get("ownershipTimeline").size() > 0);
        assertTrue(data.get("latencyPercentilesMicros").size() > 0);
        String hgrm = Files.readString(dir.resolve("r.hgrm"));
        assertTrue(hgrm.contains("Value     Percentile TotalCount 1/(1-Percentile)"), hgrm);
        assertTrue(hgrm.matches("(?s).*Total count\\s*=\\s*1000].*"), hgrm);
    }

    @Test
    void aTracePathThatCannotBeWrittenIsRefusedBeforeTheRun() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        CliRun run = CliRun.of(
                "simulate",
                "--engine",
                "rules",
                "--ops",
                "100",
                "--trace",
                notADirectory.resolve("t.json").toString());
        refusedBeforeTheRun(run, "--trace", "is not a directory");
    }

    @Test
    void aReportInAMissingDirectoryIsRefusedBeforeTheRun() {
        CliRun run = CliRun.of(
                "simulate",
                "--engine",
                "rules",
                "--ops",
                "100",
                "--report",
                dir.resolve("missing/r.html").toString());
        refusedBeforeTheRun(run, "--report", "does not exist");
    }

    @Test
    void oneRefusedPathLeavesNoneOfTheOtherOutputsBehind() throws IOException {
        CliRun run = CliRun.of(
                "simulate",
                "--engine",
                "rules",
                "--ops",
                "100",
                "--report",
                dir.resolve("r.html").toString(),
                "--trace",
                dir.resolve("missing/t.json").toString());
        assertEquals(2, run.status(), run.out() + run.err());
        assertTrue(run.err().contains("--trace"), run.err());
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "no report, no data file, no temporary file");
        }
    }

    /** Exit 2 with one line naming the option and the problem, and no output: nothing ran. */
    private static void refusedBeforeTheRun(CliRun run, String option, String problem) {
        assertEquals(2, run.status(), run.out() + run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains(option) && run.err().contains(problem), run.err());
        assertEquals("", run.out(), "nothing ran");
    }
}
