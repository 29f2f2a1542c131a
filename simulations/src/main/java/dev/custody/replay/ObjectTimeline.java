package dev.custody.replay;

import dev.custody.entity.EntityId;
import dev.custody.entity.EventRouting;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Describe;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The history of one group or one device: every decision with an event on it (for a group, also on
 * its member devices), with the group's owner, owner_cnt and domain before and after.
 */
public final class ObjectTimeline implements Consumer<ReplayStep> {
    private final Optional<GroupId> group;
    private final Optional<DeviceId> device;
    private final List<TimelineEntry> entries = new ArrayList<>();

    private ObjectTimeline(Optional<GroupId> group, Optional<DeviceId> device) {
        this.group = group;
        this.device = device;
    }

    public static ObjectTimeline ofGroup(int number) {
        return new ObjectTimeline(Optional.of(new GroupId(number)), Optional.empty());
    }

    public static ObjectTimeline ofDevice(String name) {
        return new ObjectTimeline(Optional.empty(), Optional.of(new DeviceId(name)));
    }

    @Override
    public void accept(ReplayStep step) {
        GroupId watched = group.orElseGet(() ->
                step.after().topology().device(device.orElseThrow()).group().orElse(new GroupId(-1)));
        List<String> events = step.decision().events().stream()
                .filter(e -> concerns(step.before(), step.after(), watched, e))
                .map(KernelEvent::toString)
                .toList();
        if (events.isEmpty()) {
            return;
        }
        Optional<GroupState> before = step.before().group(watched);
        Optional<GroupState> after = step.after().group(watched);
        entries.add(new TimelineEntry(
                step.decision().time(),
                step.decision().seq(),
                step.decision().operationId(),
                events,
                owner(before),
                owner(after),
                before.map(GroupState::ownerCnt).orElse(0),
                after.map(GroupState::ownerCnt).orElse(0),
                domain(step.before(), before),
                domain(step.after(), after)));
    }

    private boolean concerns(KernelState before, KernelState after, GroupId watched, KernelEvent event) {
        EntityId entity = EventRouting.entityOf(event);
        if (device.isPresent() && entity.equals(EntityId.of(device.get()))) {
            return true;
        }
        if (entity.equals(EntityId.of(watched))) {
            return true;
        }
        // a member device's driver events are the group's history too (they add and drop kernel DMA claims)
        return group.isPresent()
                && entity.kind() == EntityId.Kind.DEVICE
                && after.topology().device(new DeviceId(entity.key())).group().equals(Optional.of(watched));
    }

    private static String owner(Optional<GroupState> group) {
        return group.map(g -> g.owner().map(o -> o.label()).orElse("kernel")).orElse("(no group)");
    }

    private static String domain(KernelState state, Optional<GroupState> group) {
        return group.map(g -> Describe.domainOf(state, g, g.domain())).orElse("-");
    }

    public List<TimelineEntry> entries() {
        return List.copyOf(entries);
    }

    public String title() {
        return group.map(g -> "group " + g.number())
                .orElseGet(() -> "device " + device.orElseThrow().name());
    }
}
