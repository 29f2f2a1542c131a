package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import java.util.Optional;

/** One decided call in decision order: what was asked, by whom, what it answered, what it created. */
public record TraceEntry(String agent, Command<?> command, Outcome<Reply> outcome) {

    Optional<Handle> created() {
        if (outcome instanceof Outcome.Ok<Reply> ok) {
            return switch (ok.value()) {
                case Reply.Created c -> Optional.of(c.handle());
                case Reply.Attached a -> Optional.of(a.hwpt());
                default -> Optional.empty();
            };
        }
        return Optional.empty();
    }
}
