package dev.custody.bench.journal;

/**
 * How long each journal is warmed up and measured, and how many callers keep a call in flight.
 * The default run (pure model, in-memory, H2 and PostgreSQL, two restarts each) takes about two
 * minutes; quick about half a minute, a smoke run rather than figures to quote.
 */
public record JournalBenchSettings(long warmupMillis, long measureMillis, int callers) {

    public static final int DEFAULT_CALLERS = 32;

    public static JournalBenchSettings of(boolean quick, int callers) {
        return quick
                ? new JournalBenchSettings(1_500, 3_000, callers)
                : new JournalBenchSettings(5_000, 15_000, callers);
    }
}
