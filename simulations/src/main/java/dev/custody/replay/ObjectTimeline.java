package dev.custody.replay;

import dev.custody.entity.EntityId;
import dev.custody.entity.EventRouting;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Describe;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The history of one group or one device: every decision with an event on it (for a group, also on
 * its member devices), with the group's owner, owner_cnt and domain before and after, and, in a
 * journal that records every message, every attempt on it that changed nothing (the losing side of a
 * race, a refused claim), with its answer, in the order it was decided.
 */
public final class ObjectTimeline implements Consumer<ReplayStep> {
    private final Optional<GroupId> group;
    private final Optional<DeviceId> device;
    private final List<TimelineEntry> entries = new ArrayList<>();
    private List<RecordedAnswer> attempts = List.of();
    private int nextAttempt;

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

    /** Also shows the journal's commands that changed nothing, placed after the decision they saw. */
    public ObjectTimeline withAttempts(JournalHistory history) {
        attempts = history.answered().stream()
                .sorted(java.util.Comparator.comparingLong(RecordedAnswer::afterSeq))
                .toList();
        return this;
    }

    /** Places the attempts decided after the last replayed decision. */
    public void finish(long lastSeq, KernelState last) {
        attemptsUpTo(lastSeq, last);
    }

    private void attemptsUpTo(long seq, KernelState state) {
        while (nextAttempt < attempts.size() && attempts.get(nextAttempt).afterSeq() <= seq) {
            RecordedAnswer attempt = attempts.get(nextAttempt++);
            dev.custody.model.Command<?> command = attempt.command().read();
            GroupId watched = watched(state);
            if (!touches(state, watched, command)) {
                continue;
            }
            Optional<GroupState> now = state.group(watched);
            entries.add(new TimelineEntry(
                    attempt.time(),
                    attempt.afterSeq(),
                    attempt.command().operationId(),
                    List.of(attempt.command().operation() + " "
                            + attempt.command().command()),
                    owner(now),
                    owner(now),
                    now.map(GroupState::ownerCnt).orElse(0),
                    now.map(GroupState::ownerCnt).orElse(0),
                    domain(state, now),
                    domain(state, now),
                    false,
                    attempt.command().caller(),
                    attempt.givenResult(),
                    attempt.givenReason()));
        }
    }

    private GroupId watched(KernelState state) {
        return group.orElseGet(
                () -> state.topology().device(device.orElseThrow()).group().orElse(new GroupId(-1)));
    }

    /** The command names the watched device or group, one of its member devices, or a file of it. */
    private boolean touches(KernelState state, GroupId watched, dev.custody.model.Command<?> command) {
        if (Operations.groups(command).contains(watched)) {
            return true;
        }
        for (DeviceId named : Operations.devices(command)) {
            if (device.map(named::equals).orElse(false) || groupOf(state, named).equals(Optional.of(watched))) {
                return true;
            }
        }
        for (dev.custody.model.Handle handle : Operations.handles(command)) {
            if (handle instanceof dev.custody.model.Handle.File file
                    && state.file(file.id()).flatMap(f -> groupOf(state, f)).equals(Optional.of(watched))) {
                return true;
            }
        }
        return false;
    }

    private static Optional<GroupId> groupOf(KernelState state, dev.custody.model.state.OpenFile file) {
        return switch (file) {
            case dev.custody.model.state.OpenFile.VfioGroupFile g -> g.group();
            case dev.custody.model.state.OpenFile.VfioDeviceFile d -> groupOf(state, d.device());
            case dev.custody.model.state.OpenFile.CdevFile c -> groupOf(state, c.device());
            default -> Optional.empty();
        };
    }

    /** A refused command may name a device the machine does not have. */
    private static Optional<GroupId> groupOf(KernelState state, DeviceId device) {
        return Optional.ofNullable(state.topology().devices().get(device)).flatMap(d -> d.group());
    }

    @Override
    public void accept(ReplayStep step) {
        attemptsUpTo(step.decision().seq() - 1, step.before());
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
                domain(step.after(), after),
                true,
                step.decision().command().map(c -> c.caller()).orElse(""),
                step.decision()
                        .answer()
                        .map(a -> HostText.result(a, step.decision().host()))
                        .orElse(""),
                step.decision()
                        .answer()
                        .map(a -> HostText.reason(a, step.decision().host()))
                        .orElse("")));
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
