package dev.custody.rules;

import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import java.util.List;

/** What the rules decided for one command: the events to persist, the reply, and the resulting state. */
public record Decision(List<KernelEvent> events, Outcome<Reply> outcome, KernelState state) {
    public Decision {
        events = List.copyOf(events);
    }
}
