package dev.custody.sim;

import dev.custody.model.GroupId;
import dev.custody.model.event.GroupEvent;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/** The groups one decision changed, for the ownership timeline: present after it, and not as they were. */
final class ChangedGroups {
    private ChangedGroups() {}

    /**
     * In group order. Incrementally, only the groups the decision's group events name are compared
     * (a group's state changes only through its own events); fully, every group.
     */
    static List<GroupState> of(KernelState before, KernelState after, List<KernelEvent> events, CheckMode mode) {
        Collection<GroupId> candidates = switch (mode) {
            case INCREMENTAL -> {
                TreeSet<GroupId> named = new TreeSet<>();
                for (KernelEvent event : events) {
                    if (event instanceof GroupEvent e) {
                        named.add(e.subject());
                    }
                }
                yield named;
            }
            case FULL -> after.groups().keySet();
        };
        return candidates.stream()
                .map(id -> after.groups().get(id))
                .filter(Objects::nonNull)
                .filter(g -> !g.equals(before.groups().get(g.id())))
                .toList();
    }
}
