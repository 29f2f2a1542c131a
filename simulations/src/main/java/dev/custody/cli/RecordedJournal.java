package dev.custody.cli;

import dev.custody.persistence.JournalSpec;
import dev.custody.replay.BadJournal;
import dev.custody.replay.JournalHistory;
import dev.custody.replay.JournalReader;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The journal a reading command works on: {@code --journal} and {@code --instance}, read once. */
final class RecordedJournal {

    @Option(names = "--journal", required = true, description = "h2:DIR or a jdbc:postgresql: URL.")
    String journal;

    @Option(
            names = "--instance",
            defaultValue = JournalSpec.DEFAULT_INSTANCE,
            description = "The engine instance whose journal to read. Default: ${DEFAULT-VALUE}.")
    String instance;

    /**
     * The engine's recorded history, or empty after telling the user why it cannot be read. Reading never
     * changes the journal (it is opened read only).
     */
    Optional<JournalHistory> read(String command) {
        try {
            JournalHistory history =
                    JournalReader.read(JournalSpec.durable(journal).config(), instance);
            return Optional.of(history);
        } catch (IllegalArgumentException | BadJournal bad) {
            System.err.println("custody " + command + ": " + bad.getMessage());
            return Optional.empty();
        }
    }
}
