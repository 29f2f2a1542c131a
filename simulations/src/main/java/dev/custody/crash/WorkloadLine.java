package dev.custody.crash;

import java.util.Optional;

/**
 * The lines a workload child writes to its standard output, one per fact, flushed before it goes on:
 * what the parent learns from them survives the child's SIGKILL (the pipe keeps what was written).
 */
public sealed interface WorkloadLine {

    /** The actor system is up and the engine's recovery is starting: a kill now is a kill during recovery. */
    record Recovering() implements WorkloadLine {}

    /**
     * The engine recovered, but an entity cannot recover from its journal (a torn row): the one-line
     * message naming its persistence id, the row and the reason. Its decisions stay open; the child goes on.
     */
    record Stuck(String message) implements WorkloadLine {}

    /** The engine recovered and completed its open decisions; the state it holds then. */
    record Recovered(long millis, long lastSeq, String digest, int violations) implements WorkloadLine {}

    /** An operation the engine answered: its id, how many events it journaled and their fingerprint. */
    record Acknowledged(String operationId, int events, String eventsDigest) implements WorkloadLine {}

    /** A verify-mode child stopped its engine cleanly. */
    record Done() implements WorkloadLine {}

    default String text() {
        return switch (this) {
            case Recovering r -> "RECOVERING";
            case Stuck s -> "STUCK " + s.message().replace('\n', ' ');
            case Recovered r -> "RECOVERED " + r.millis() + " " + r.lastSeq() + " " + r.digest() + " " + r.violations();
            case Acknowledged a -> "ACK " + a.operationId() + " " + a.events() + " " + a.eventsDigest();
            case Done d -> "DONE";
        };
    }

    /** Empty for lines that are not part of the protocol (a stray log line). */
    static Optional<WorkloadLine> parse(String line) {
        String[] f = line.strip().split(" ");
        try {
            return switch (f[0]) {
                case "RECOVERING" -> Optional.of(new Recovering());
                case "STUCK" -> Optional.of(new Stuck(line.strip().substring("STUCK ".length())));
                case "RECOVERED" ->
                    Optional.of(
                            new Recovered(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], Integer.parseInt(f[4])));
                case "ACK" -> Optional.of(new Acknowledged(f[1], Integer.parseInt(f[2]), f[3]));
                case "DONE" -> Optional.of(new Done());
                default -> Optional.empty();
            };
        } catch (RuntimeException torn) {
            return Optional.empty(); // a line the kill cut in half was never a whole acknowledgement
        }
    }
}
