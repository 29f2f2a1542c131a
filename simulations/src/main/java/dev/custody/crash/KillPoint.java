package dev.custody.crash;

/** When the parent SIGKILLs a workload child. */
sealed interface KillPoint {
    /** As soon as the engine's recovery has begun. */
    record DuringRecovery() implements KillPoint {}

    /** Once this many operations (of this child) were acknowledged, mid-race. */
    record AfterAcknowledged(int count) implements KillPoint {}

    /** Not at all: a verify child stops by itself. */
    record Never() implements KillPoint {}

    default String describe() {
        return switch (this) {
            case DuringRecovery d -> "during recovery";
            case AfterAcknowledged a -> "after " + a.count() + " acknowledged";
            case Never n -> "not (clean stop)";
        };
    }
}
