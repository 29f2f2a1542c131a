package dev.custody.sim;

import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/** What an agent learned from its answers: the objects it created, by role, newest last. */
final class AgentMemory {
    private final java.util.Map<String, List<Handle>> byRole = new java.util.HashMap<>();

    void remember(String role, Outcome<Reply> outcome) {
        if (outcome instanceof Outcome.Ok<Reply> ok) {
            switch (ok.value()) {
                case Reply.Created c ->
                    byRole.computeIfAbsent(role, r -> new ArrayList<>()).add(c.handle());
                case Reply.Attached a ->
                    byRole.computeIfAbsent(role, r -> new ArrayList<>()).add(a.hwpt());
                default -> {}
            }
        }
    }

    Optional<Handle> latest(String role) {
        List<Handle> handles = byRole.getOrDefault(role, List.of());
        return handles.isEmpty() ? Optional.empty() : Optional.of(handles.getLast());
    }

    Optional<Handle> any(String role, Random random) {
        List<Handle> handles = byRole.getOrDefault(role, List.of());
        return handles.isEmpty() ? Optional.empty() : Optional.of(handles.get(random.nextInt(handles.size())));
    }

    List<Handle> all(String role) {
        return List.copyOf(byRole.getOrDefault(role, List.of()));
    }

    void forget(Handle handle) {
        byRole.values().forEach(list -> list.remove(handle));
    }

    void forgetAll() {
        byRole.clear();
    }
}
