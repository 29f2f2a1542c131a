package dev.custody.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.cli.CustodyCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** Argument handling only: nothing here runs a benchmark. */
class BenchCommandTest {

    private static BenchCommand.PageTable parse(String... args) {
        ParseResult result = new CommandLine(new CustodyCli()).parseArgs(args);
        return (BenchCommand.PageTable)
                result.subcommand().subcommand().commandSpec().userObject();
    }

    @Test
    void defaultsToTheFullRunWithATable() {
        BenchCommand.PageTable command = parse("bench", "pagetable");
        assertFalse(command.json);
        assertEquals(BenchSettings.DEFAULT, command.settings());
    }

    @Test
    void quickAndJsonInAnyOrder() {
        BenchCommand.PageTable command = parse("bench", "pagetable", "--json", "--quick");
        assertTrue(command.json);
        assertEquals(BenchSettings.QUICK, command.settings());
    }

    @Test
    void settingsStayWithinTheirTimeBudgets() {
        int benchmarks = BenchReport.PAGES_PER_OP.size();
        assertTrue(seconds(BenchSettings.DEFAULT) * benchmarks * 2 <= 180, "default run under ~3 minutes");
        assertTrue(seconds(BenchSettings.QUICK) * benchmarks * 2 <= 40, "quick run under ~40 s");
    }

    private static double seconds(BenchSettings s) {
        return (s.warmupIterations() * s.warmupMillis() + s.measureIterations() * s.measureMillis()) / 1000.0;
    }

    @Test
    void unknownOptionsAndTargetsAreUsageErrors() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new CustodyCli()).setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("bench", "pagetable", "--fast"));
        assertTrue(err.toString().contains("--fast"), err.toString());
        assertEquals(2, cli.execute("bench", "nosuchbench"));
    }
}
