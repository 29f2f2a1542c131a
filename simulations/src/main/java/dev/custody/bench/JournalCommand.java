package dev.custody.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.custody.bench.journal.JournalBench;
import dev.custody.bench.journal.JournalBenchSettings;
import dev.custody.bench.journal.JournalReport;
import dev.custody.bench.journal.PostgresChoice;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody bench journal [--json] [--quick] [--postgres URL] [--callers N]}. */
@Command(
        name = "journal",
        mixinStandardHelpOptions = true,
        description = {
            "Ownership operations per second through the journaled actors on the in-memory journal, on H2"
                    + " (a temporary directory) and on PostgreSQL (--postgres or CUSTODY_TEST_POSTGRES_URL), beside the"
                    + " pure model on one thread; latency p50/p99; recovery replay rate on H2 and PostgreSQL; Kryo bytes"
                    + " and ns per event.",
            "About two minutes; --quick about half a minute."
        })
public final class JournalCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Option(names = "--quick", description = "Short warm-up and measurement: a smoke run, not figures to quote.")
    boolean quick;

    @Option(
            names = "--postgres",
            paramLabel = "URL",
            description = "A jdbc:postgresql: URL (user in its query or CUSTODY_TEST_POSTGRES_USER; password in"
                    + " passwordFile=FILE in its query, CUSTODY_JOURNAL_PASSWORD or"
                    + " CUSTODY_TEST_POSTGRES_PASSWORD, never in the URL).")
    String postgres;

    @Option(
            names = "--callers",
            paramLabel = "N",
            defaultValue = "" + JournalBenchSettings.DEFAULT_CALLERS,
            description = "Callers with one call in flight each (default ${DEFAULT-VALUE}).")
    int callers;

    @Option(
            names = "--groups",
            paramLabel = "N",
            description =
                    "IOMMU groups of the host, dealt out to the callers (default: twice the callers, at least 16).")
    Integer groups;

    JournalBenchSettings settings() {
        if (callers < 1 || callers > 1024) {
            throw new picocli.CommandLine.ParameterException(
                    new picocli.CommandLine(this), "--callers must be between 1 and 1024, not " + callers);
        }
        return JournalBenchSettings.of(quick, callers);
    }

    Optional<JournalBench.Postgres> postgresChoice() {
        return PostgresChoice.resolve(Optional.ofNullable(postgres), System.getenv());
    }

    @Override
    public Integer call() throws Exception {
        Optional<JournalBench.Postgres> postgresChoice;
        try {
            postgresChoice = postgresChoice();
        } catch (IllegalArgumentException bad) {
            System.err.println("custody bench journal: " + bad.getMessage());
            return 2;
        }
        JournalReport report = JournalBench.run(settings(), postgresChoice, Optional.ofNullable(groups));
        if (json) {
            System.out.println(new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(report.toJson()));
        } else {
            System.out.print(report.toText());
        }
        return 0;
    }
}
