package dev.custody.replay;

import dev.custody.model.GroupId;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Collects, per group, the stretches of history during which its ownership stayed the same (who holds
 * it, owner_cnt, domain), and the decisions that changed it: the data of the report's timeline chart.
 */
public final class OwnershipChart implements Consumer<ReplayStep> {

    /** Ownership from decision {@code fromSeq} on; {@code holder} is "free", "kernel" or the owner's label. */
    public record Stretch(long fromSeq, String holder, int ownerCnt, String status) {}

    /** A decision that changed the group's ownership. */
    public record Change(long seq, String operationId, String before, String after) {}

    private final Map<GroupId, List<Stretch>> stretches = new TreeMap<>();
    private final Map<GroupId, List<Change>> changes = new TreeMap<>();
    private long lastSeq;

    @Override
    public void accept(ReplayStep step) {
        lastSeq = step.decision().seq();
        for (GroupId id : step.after().groups().keySet()) {
            String after = status(step.after(), step.after().group(id));
            List<Stretch> lane = stretches.computeIfAbsent(id, g -> new ArrayList<>());
            String before = lane.isEmpty() ? "(no group)" : lane.getLast().status();
            if (!after.equals(before)) {
                GroupState g = step.after().group(id).orElseThrow();
                lane.add(new Stretch(step.decision().seq(), holder(g), g.ownerCnt(), after));
                changes.computeIfAbsent(id, x -> new ArrayList<>())
                        .add(new Change(step.decision().seq(), step.decision().operationId(), before, after));
            }
        }
        for (GroupId id : stretches.keySet()) {
            List<Stretch> lane = stretches.get(id);
            if (step.after().group(id).isEmpty() && !lane.getLast().holder().equals("gone")) {
                lane.add(new Stretch(step.decision().seq(), "gone", 0, "(no group)"));
                changes.get(id)
                        .add(new Change(
                                step.decision().seq(),
                                step.decision().operationId(),
                                lane.get(lane.size() - 2).status(),
                                "(no group)"));
            }
        }
    }

    private static String status(KernelState state, Optional<GroupState> group) {
        return group.map(g -> SysfsView.ownership(state, g)).orElse("(no group)");
    }

    private static String holder(GroupState g) {
        if (g.owner().isPresent()) {
            return g.owner().get().label();
        }
        return g.ownerCnt() > 0 ? "kernel" : "free";
    }

    public Map<GroupId, List<Stretch>> stretches() {
        return stretches;
    }

    public Map<GroupId, List<Change>> changes() {
        return changes;
    }

    public long lastSeq() {
        return lastSeq;
    }
}
