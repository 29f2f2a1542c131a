package dev.custody.cli;

import dev.custody.persistence.JournalSpec;
import dev.custody.replay.BadJournal;
import dev.custody.replay.JournalHistory;
import dev.custody.replay.JournalReader;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The journal a reading command works on: {@code --journal} and {@code --instance}, read once. */
final class RecordedJournal {

    @Option(
            names = "--journal",
            defaultValue = "h2:custody-data",
            description =
                    "h2:DIR or a jdbc:postgresql: URL. Default: ${DEFAULT-VALUE}, where simulate and serve" + " write.")
    String journal;

    @Option(
            names = "--instance",
            description = "The engine instance whose journal to read. Default: the journal's only one; with"
                    + " several, " + JournalSpec.DEFAULT_INSTANCE + " (the others are named).")
    String instance;

    /**
     * The engine's recorded history, or empty after telling the user why it cannot be read. Reading never
     * changes the journal (it is opened read only).
     */
    Optional<JournalHistory> read(String command) {
        try {
            JournalHistory history =
                    JournalReader.read(JournalSpec.durable(journal).config(), Optional.ofNullable(instance));
            return Optional.of(history);
        } catch (IllegalArgumentException | BadJournal bad) {
            System.err.println("custody " + command + ": " + bad.getMessage());
            return Optional.empty();
        }
    }
}
