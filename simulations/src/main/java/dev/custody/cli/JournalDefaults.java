package dev.custody.cli;

/** What the journal-reading commands assume when not told otherwise. */
final class JournalDefaults {
    private JournalDefaults() {}

    /** The engine instance name the crash harness writes and replay/inspect read by default. */
    static final String INSTANCE = "custody";

    /** A journal a later process can read: the in-memory one dies with the process that wrote it. */
    static JournalOption durable(String spelling) {
        JournalOption option = JournalOption.parse(spelling);
        if (spelling.equals("memory")) {
            throw new IllegalArgumentException("--journal memory holds nothing once its process is gone; give h2:DIR or a jdbc:postgresql: URL");
        }
        return option;
    }
}
