package dev.custody.bench.journal;

/**
 * One journal's figures. {@code coordinatorRows} and {@code entityRows} are the rows the whole run
 * (warm-up included) wrote, per decision, and {@code recovery} is null on the in-memory journal (it
 * does not outlive its actor system).
 */
record JournalResult(
        String journal,
        Throughput throughput,
        double coordinatorRowsPerDecision,
        double entityRowsPerDecision,
        Recovery recovery) {

    /** Journal rows written per second in the measured phase (NaN when rows were not counted). */
    double rowsPerSecond() {
        return throughput.decisionsPerSecond() * (coordinatorRowsPerDecision + entityRowsPerDecision);
    }
}
