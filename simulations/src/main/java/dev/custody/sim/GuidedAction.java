package dev.custody.sim;

import dev.custody.model.Command;
import java.util.Optional;
import java.util.function.Function;

/**
 * One kind of call a guided role makes, with two ways to choose its arguments from the state:
 * {@code aimed} picks arguments the rules should accept (live objects, matching drivers, aligned
 * ranges), {@code refused} arguments they should refuse (a stale fd, a device that is absent, a size no
 * page divides). Either may find nothing fitting in the current state (empty).
 */
record GuidedAction(
        String operation, Function<Pick, Optional<Command<?>>> aimed, Function<Pick, Optional<Command<?>>> refused) {

    /** A role: the name its calls carry in the trace, and what it does. */
    record Role(String name, java.util.List<GuidedAction> actions) {}
}
