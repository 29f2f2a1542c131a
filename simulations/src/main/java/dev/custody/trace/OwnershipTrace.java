package dev.custody.trace;

import dev.custody.invariants.Violation;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.event.DeviceEvent;
import dev.custody.model.event.GroupEvent;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The trace of a run or a journal as the model saw it, for Perfetto or chrome://tracing: one track per
 * IOMMU group and per device with the ownership spans of {@link OwnershipSpans}, derived from the
 * state after each decision; a track of decisions, each an instant carrying its operation, result and
 * errno; violations as instants over the whole trace and on the tracks of the objects they name; and a
 * track for markers of the run itself (a crash test's kills). Callers feed decisions in order, with
 * the state before and after; the spans still open are closed by {@link #finish}.
 */
public final class OwnershipTrace implements AutoCloseable {
    static final int RUN = 1;
    static final int GROUPS = 2;
    static final int DEVICES = 3;
    static final int DECISIONS_TID = 1;
    static final int MARKERS_TID = 2;
    private static final Pattern GROUP = Pattern.compile("group (\\d+)");

    /** A decided (or refused) call: {@code result} "ok", an errno name, "WARN" or "PENDING". */
    public record Call(long seq, String operation, String operationId, String caller, String result, String reason) {}

    private final TraceEventWriter out;
    private final Map<GroupId, Integer> groupTracks = new TreeMap<>();
    private final Map<DeviceId, Integer> deviceTracks = new HashMap<>();
    private final Map<Integer, List<OwnershipSpans.Span>> open = new HashMap<>();
    private double lastTs;
    private long decisions;
    private long violations;

    /** Starts the trace at {@code ts} with the spans of {@code initial} (every group and device). */
    public OwnershipTrace(OutputStream stream, KernelState initial, double ts) {
        this.out = new TraceEventWriter(stream);
        out.processName(RUN, "decisions", 0);
        out.threadName(RUN, DECISIONS_TID, "decisions", 0);
        out.processName(GROUPS, "IOMMU groups", 1);
        out.processName(DEVICES, "devices", 2);
        initial.topology().devices().keySet().forEach(this::deviceTrack);
        lastTs = ts;
        initial.groups().values().forEach(g -> updateGroup(initial, g, ts, null));
        initial.devices().values().forEach(d -> updateDevice(initial, d, ts, null));
    }

    /**
     * One call at {@code ts}: its instant, then the spans of every group and device its events name
     * (and the devices of those groups) ended and begun as their state changed.
     */
    public synchronized void decision(
            Call call, double ts, KernelState before, KernelState after, List<KernelEvent> events) {
        lastTs = Math.max(lastTs, ts);
        decisions++;
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("seq", call.seq());
        args.put("operationId", call.operationId());
        args.put("caller", call.caller());
        args.put("result", call.result());
        if (!call.result().equals("ok")) {
            args.put("errno", call.result());
            args.put("reason", call.reason());
        }
        args.put("events", events.size());
        out.instant(RUN, DECISIONS_TID, call.operation(), call.result().equals("ok") ? "ok" : "refused", ts, 't', args);
        if (events.isEmpty()) {
            return;
        }
        String cause = "decision " + call.seq() + " " + call.operation();
        TreeSet<GroupId> groups = new TreeSet<>();
        TreeSet<DeviceId> devices = new TreeSet<>();
        for (KernelEvent event : events) {
            if (event instanceof GroupEvent g) {
                groups.add(g.group());
            } else if (event instanceof DeviceEvent d) {
                devices.add(d.device());
            }
        }
        for (GroupId id : groups) {
            GroupState now = after.groups().get(id);
            GroupState was = before.groups().get(id);
            if (now == null) {
                if (groupTracks.containsKey(id)) {
                    change(GROUPS, groupTracks.get(id), List.of(), ts, cause);
                }
            } else {
                updateGroup(after, now, ts, cause);
            }
            if (now != null) {
                devices.addAll(now.devices());
            }
            if (was != null) {
                devices.addAll(was.devices());
            }
        }
        for (DeviceId id : devices) {
            DeviceState now = after.devices().get(id);
            if (now != null) {
                updateDevice(after, now, ts, cause);
            }
        }
    }

    /** A broken invariant at {@code ts}: one instant over the whole trace, one on each object it names. */
    public synchronized void violation(long seq, String operationId, Violation violation, double ts) {
        lastTs = Math.max(lastTs, ts);
        violations++;
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("invariant", violation.invariant());
        args.put("seq", seq);
        args.put("operationId", operationId);
        args.put("objects", String.join(", ", violation.objects()));
        args.put("message", violation.message());
        String name = "VIOLATION " + violation.invariant();
        out.instant(RUN, DECISIONS_TID, name, "violation", ts, 'g', args);
        for (String object : violation.objects()) {
            Matcher group = GROUP.matcher(object);
            if (group.matches() && groupTracks.containsKey(new GroupId(Integer.parseInt(group.group(1))))) {
                out.instant(
                        GROUPS,
                        groupTracks.get(new GroupId(Integer.parseInt(group.group(1)))),
                        name,
                        "violation",
                        ts,
                        't',
                        args);
            } else if (deviceTracks.containsKey(new DeviceId(object))) {
                out.instant(DEVICES, deviceTracks.get(new DeviceId(object)), name, "violation", ts, 't', args);
            }
        }
    }

    /** Something that happened to the run rather than the model (a kill, a restart), on its own track. */
    public synchronized void marker(String name, double ts, Map<String, ?> args) {
        if (!markersNamed) {
            out.threadName(RUN, MARKERS_TID, "run", 1);
            markersNamed = true;
        }
        lastTs = Math.max(lastTs, ts);
        out.instant(RUN, MARKERS_TID, name, "run", ts, 'p', new TreeMap<>(args));
    }

    private boolean markersNamed;

    /** Ends every open span at the last timestamp seen and writes {@code about} as the trace's otherData. */
    public synchronized void finish(Map<String, ?> about) {
        for (var track : new ArrayList<>(open.keySet())) {
            int pid = track >>> 24;
            int tid = track & 0xffffff;
            for (int i = 0; i < open.get(track).size(); i++) {
                out.end(pid, tid, lastTs);
            }
        }
        open.clear();
        Map<String, Object> other = new TreeMap<>(about); // in name order: a seed's trace is the same file
        other.put("decisions", decisions);
        other.put("violations", violations);
        other.put("groupTracks", groupTracks.size());
        other.put("deviceTracks", deviceTracks.size());
        out.finish(other);
    }

    /** The latest timestamp given so far. */
    public synchronized double lastTs() {
        return lastTs;
    }

    @Override
    public void close() {
        out.close();
    }

    private void updateGroup(KernelState state, GroupState group, double ts, String cause) {
        change(GROUPS, groupTrack(group.id()), OwnershipSpans.ofGroup(state, group), ts, cause);
    }

    private void updateDevice(KernelState state, DeviceState device, double ts, String cause) {
        change(DEVICES, deviceTrack(device.id()), OwnershipSpans.ofDevice(state, device), ts, cause);
    }

    /** Ends the open spans from the first that differs, and begins the new ones from there. */
    private void change(int pid, int tid, List<OwnershipSpans.Span> now, double ts, String cause) {
        int track = (pid << 24) | tid;
        List<OwnershipSpans.Span> was = open.getOrDefault(track, List.of());
        int same = 0;
        while (same < was.size() && same < now.size() && was.get(same).equals(now.get(same))) {
            same++;
        }
        for (int i = was.size() - 1; i >= same; i--) {
            out.end(pid, tid, ts);
        }
        for (int i = same; i < now.size(); i++) {
            OwnershipSpans.Span span = now.get(i);
            Map<String, Object> args = new LinkedHashMap<>(span.args());
            if (cause != null) {
                args.put("since", cause);
            }
            out.begin(pid, tid, span.name(), span.category(), ts, args);
        }
        if (now.isEmpty()) {
            open.remove(track);
        } else {
            open.put(track, now);
        }
    }

    private int groupTrack(GroupId id) {
        return groupTracks.computeIfAbsent(id, g -> {
            int tid = groupTracks.size() + 1;
            out.threadName(GROUPS, tid, "group " + g.number(), g.number());
            return tid;
        });
    }

    private int deviceTrack(DeviceId id) {
        return deviceTracks.computeIfAbsent(id, d -> {
            int tid = deviceTracks.size() + 1;
            out.threadName(DEVICES, tid, d.name(), tid);
            return tid;
        });
    }
}
