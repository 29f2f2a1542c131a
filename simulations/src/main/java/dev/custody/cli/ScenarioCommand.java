package dev.custody.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.persistence.JournalSpec;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioException;
import dev.custody.scenario.ScenarioParser;
import dev.custody.scenario.ScenarioRunner;
import dev.custody.sim.ScenarioEngines;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code custody scenario run FILE...}: the black-box contract of docs/scenario-format.md. */
@Command(
        name = "scenario",
        description = "Run scenario files (docs/scenario-format.md).",
        mixinStandardHelpOptions = true,
        subcommands = ScenarioCommand.Run.class)
public final class ScenarioCommand {

    /** Exit statuses of docs/scenario-format.md. */
    static final int ALL_HELD = 0;

    static final int SOME_FAILED = 1;
    static final int INVALID_FILE = 2;

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = {
                "Runs each file's steps against the engine and prints one JSON object per step,",
                "then a summary line per file. Exit 0 when every expectation held and no invariant broke,",
                "1 otherwise, 2 when a file is invalid (then nothing runs)."
            })
    static final class Run implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Scenario files; - reads standard input.")
        List<String> files;

        @picocli.CommandLine.Option(
                names = "--engine",
                defaultValue = "rules",
                description =
                        "rules (the pure model, sequential) or actors (the journaled engine). Default: ${DEFAULT-VALUE}.")
        ScenarioEngines.Kind engine;

        @picocli.CommandLine.Option(
                names = "--journal",
                defaultValue = "memory",
                description =
                        "For --engine actors: memory, h2:DIR or a jdbc:postgresql: URL. Default: ${DEFAULT-VALUE}.")
        String journal;

        private final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        private final ObjectMapper json = new ObjectMapper();

        @Override
        public Integer call() {
            List<Scenario> scenarios = new ArrayList<>();
            for (String file : files) {
                try {
                    scenarios.add(ScenarioParser.parse(file, read(file)));
                } catch (ScenarioException invalid) {
                    System.err.println("custody: invalid scenario: " + invalid.getMessage());
                    return INVALID_FILE;
                } catch (UncheckedIOException unreadable) {
                    System.err.println("custody: cannot read " + file + ": "
                            + unreadable.getCause().getMessage());
                    return INVALID_FILE;
                }
            }
            boolean allPassed = true;
            JournalSpec journalOption;
            try {
                journalOption = JournalSpec.parse(journal);
            } catch (IllegalArgumentException bad) {
                System.err.println("custody: " + bad.getMessage());
                return INVALID_FILE;
            }
            try (ScenarioEngines engines = new ScenarioEngines(engine, journalOption)) {
                for (Scenario scenario : scenarios) {
                    allPassed &= runOne(scenario, engines);
                }
            } catch (ScenarioException invalid) {
                out.flush();
                System.err.println("custody: invalid scenario: " + invalid.getMessage());
                return INVALID_FILE;
            }
            out.flush();
            return allPassed ? ALL_HELD : SOME_FAILED;
        }

        private boolean runOne(Scenario scenario, ScenarioEngines engines) {
            return ScenarioRunner.run(scenario, engines.next(), line -> {
                        try {
                            out.println(json.writeValueAsString(line));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .passed();
        }

        private static String read(String file) {
            try {
                if (file.equals("-")) {
                    try (InputStream in = System.in) {
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                }
                return Files.readString(Path.of(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
