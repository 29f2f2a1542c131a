package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code custody scenario run}: JSON Lines out, exit 0 / 1 / 2 as docs/scenario-format.md says. */
class ScenarioCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private int run(String... args) {
        return new CommandLine(new CustodyCli()).execute(args);
    }

    private Path scenario(String name, String expect) throws IOException {
        return Files.writeString(dir.resolve(name), """
                {"topology": {"iommus": [{"name": "dmar0"}],
                              "devices": [{"name": "0000:00:03.0", "iommu": "dmar0", "group": 1}]},
                 "steps": [{"op": "driver.bind", "device": "0000:00:03.0", "driver": "e1000e", "expect": "%s"}]}
                """.formatted(expect));
    }

    @Test
    void allExpectationsHeldExitsZero() throws IOException {
        assertEquals(0, run("scenario", "run", scenario("good.json", "ok").toString()));
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("{\"step\":1,\"op\":\"driver.bind\",\"result\":\"ok\""), lines[0]);
        assertTrue(lines[1].startsWith("{\"summary\":{\"steps\":1,\"mismatches\":0"), lines[1]);
    }

    @Test
    void aMismatchExitsOne() throws IOException {
        assertEquals(
                1,
                run(
                        "scenario",
                        "run",
                        scenario("good.json", "ok").toString(),
                        scenario("bad.json", "EBUSY").toString()));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"match\":false"));
    }

    @Test
    void anInvalidFileExitsTwoAndRunsNothing() throws IOException {
        Path good = scenario("good.json", "ok");
        Path invalid = Files.writeString(dir.resolve("invalid.json"), """
                {"topology": {"iommus": [{"name": "dmar0"}], "devices": []},
                 "steps": [{"op": "driver.bind", "device": "0000:00:09.0", "driver": "e1000e"}]}""");
        assertEquals(2, run("scenario", "run", good.toString(), invalid.toString()));
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing runs when any file is invalid");
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("invalid.json: step 1, field device"), err.toString());
    }

    @Test
    void aMissingFileExitsTwo() {
        assertEquals(2, run("scenario", "run", dir.resolve("absent.json").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("absent.json"));
    }
}
