package dev.custody.trace;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks a file against the Chrome Trace Event Format (the JSON object form): a {@code traceEvents}
 * array whose events carry what their phase needs ({@code B}/{@code E}/{@code X} durations, {@code i}
 * instants with a scope, {@code M} metadata naming processes and threads; pid and tid; ts in
 * microseconds), B/E pairs nested per track, timestamps never going back on a track (in file order,
 * as viewers read them), and every track and process named by metadata. Throws {@link AssertionError}
 * naming the first event that breaks a rule; returns what it read.
 */
public final class TraceEventFormat {
    private static final Set<String> PHASES = Set.of("B", "E", "X", "i", "I", "M");
    private static final Set<String> METADATA =
            Set.of("process_name", "thread_name", "process_sort_index", "thread_sort_index", "process_labels");

    /** A track: the pair (pid, tid). */
    public record Track(long pid, long tid) {}

    /** What a valid trace holds. */
    public record Contents(
            Map<Long, String> processNames,
            Map<Track, String> trackNames,
            Map<String, Integer> phaseCounts,
            List<JsonNode> events,
            JsonNode otherData) {

        public List<JsonNode> onTrack(String processName, String trackName) {
            return events.stream()
                    .filter(e -> !e.get("ph").asText().equals("M"))
                    .filter(e ->
                            processName.equals(processNames.get(e.get("pid").asLong())))
                    .filter(e -> trackName.equals(trackNames.get(
                            new Track(e.get("pid").asLong(), e.get("tid").asLong()))))
                    .toList();
        }

        public List<JsonNode> inProcess(String processName) {
            return events.stream()
                    .filter(e -> !e.get("ph").asText().equals("M"))
                    .filter(e ->
                            processName.equals(processNames.get(e.get("pid").asLong())))
                    .toList();
        }
    }

    private TraceEventFormat() {}

    public static Contents check(JsonNode root) {
        require(root.isObject(), "the trace is not a JSON object");
        JsonNode list = root.get("traceEvents");
        require(list != null && list.isArray(), "no traceEvents array");
        Map<Long, String> processes = new TreeMap<>();
        Map<Track, String> tracks = new HashMap<>();
        Map<String, Integer> phases = new TreeMap<>();
        Map<Track, Double> lastTs = new HashMap<>();
        Map<Track, Deque<String>> open = new HashMap<>();
        Set<Track> used = new HashSet<>();
        List<JsonNode> events = new ArrayList<>();
        int index = 0;
        for (JsonNode e : list) {
            String where = "event " + index++ + " " + e;
            require(e.isObject(), where + ": not an object");
            require(e.path("ph").isTextual() && PHASES.contains(e.get("ph").asText()), where + ": no known ph");
            require(e.path("pid").isIntegralNumber(), where + ": no integer pid");
            require(e.path("tid").isIntegralNumber(), where + ": no integer tid");
            String ph = e.get("ph").asText();
            phases.merge(ph, 1, Integer::sum);
            events.add(e);
            Track track = new Track(e.get("pid").asLong(), e.get("tid").asLong());
            if (ph.equals("M")) {
                String name = e.path("name").asText();
                require(METADATA.contains(name), where + ": unknown metadata " + name);
                require(e.path("args").isObject(), where + ": metadata without args");
                if (name.equals("process_name")) {
                    require(e.path("args").path("name").isTextual(), where + ": process_name without args.name");
                    processes.put(track.pid(), e.get("args").get("name").asText());
                } else if (name.equals("thread_name")) {
                    require(e.path("args").path("name").isTextual(), where + ": thread_name without args.name");
                    tracks.put(track, e.get("args").get("name").asText());
                }
                continue;
            }
            require(e.path("ts").isNumber(), where + ": no numeric ts");
            double ts = e.get("ts").asDouble();
            require(ts >= 0, where + ": negative ts");
            require(ts >= lastTs.getOrDefault(track, 0.0), where + ": ts goes back on its track");
            lastTs.put(track, ts);
            used.add(track);
            switch (ph) {
                case "B" -> {
                    require(e.path("name").isTextual(), where + ": B without a name");
                    open.computeIfAbsent(track, t -> new ArrayDeque<>())
                            .push(e.get("name").asText());
                }
                case "E" -> {
                    Deque<String> stack = open.get(track);
                    require(stack != null && !stack.isEmpty(), where + ": E with no open B on its track");
                    stack.pop();
                }
                case "X" -> {
                    require(e.path("name").isTextual(), where + ": X without a name");
                    require(e.path("dur").isNumber() && e.get("dur").asDouble() >= 0, where + ": X without dur");
                }
                default -> { // i, I
                    require(e.path("name").isTextual(), where + ": instant without a name");
                    require(
                            Set.of("g", "p", "t").contains(e.path("s").asText("t")),
                            where + ": instant scope not g, p or t");
                }
            }
            if (e.has("args")) {
                require(e.get("args").isObject(), where + ": args not an object");
            }
        }
        open.forEach((track, stack) -> require(stack.isEmpty(), "track " + track + " ends with open spans " + stack));
        for (Track track : used) {
            require(processes.containsKey(track.pid()), "process " + track.pid() + " has no process_name");
            require(tracks.containsKey(track), "track " + track + " has no thread_name");
        }
        return new Contents(processes, tracks, phases, events, root.path("otherData"));
    }

    private static void require(boolean holds, String message) {
        if (!holds) {
            throw new AssertionError("not a valid trace: " + message);
        }
    }
}
