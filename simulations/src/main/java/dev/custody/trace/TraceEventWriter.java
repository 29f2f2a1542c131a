package dev.custody.trace;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes the Chrome trace-event format (what Perfetto and chrome://tracing open), streaming: a JSON
 * object with {@code traceEvents}, metadata ({@code ph} M) naming processes and threads, durations as
 * {@code B}/{@code E} pairs and instants ({@code i}) with a scope; {@code ts} in microseconds. A
 * track is a (pid, tid) pair. Timestamps are kept non-decreasing per track: one earlier than the
 * track's last (two journal rows in the wrong clock order) is written at the track's last, and
 * counted under {@code otherData.clampedTimestamps}.
 */
public final class TraceEventWriter implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();

    private final JsonGenerator out;
    private final Map<Long, Double> lastTs = new HashMap<>();
    private long clamped;
    private long events;

    public TraceEventWriter(OutputStream stream) {
        try {
            this.out = JSON.createGenerator(stream, JsonEncoding.UTF8);
            out.writeStartObject();
            out.writeStringField("displayTimeUnit", "ms");
            out.writeArrayFieldStart("traceEvents");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void processName(int pid, String name, int sortIndex) {
        metadata(pid, 0, "process_name", "name", name);
        metadata(pid, 0, "process_sort_index", "sort_index", sortIndex);
    }

    public void threadName(int pid, int tid, String name, int sortIndex) {
        metadata(pid, tid, "thread_name", "name", name);
        metadata(pid, tid, "thread_sort_index", "sort_index", sortIndex);
    }

    /** Opens a span on the track; it lasts until the next {@link #end} on the same track (spans nest). */
    public void begin(int pid, int tid, String name, String category, double ts, Map<String, ?> args) {
        event("B", pid, tid, name, category, ts, args, null);
    }

    public void end(int pid, int tid, double ts) {
        event("E", pid, tid, null, null, ts, Map.of(), null);
    }

    /** A moment; {@code scope} t (its track), p (its process) or g (the whole trace). */
    public void instant(int pid, int tid, String name, String category, double ts, char scope, Map<String, ?> args) {
        event("i", pid, tid, name, category, ts, args, String.valueOf(scope));
    }

    /** Ends the event list with {@code otherData} (what the trace is and how its clock runs) and closes the stream. */
    public void finish(Map<String, ?> otherData) {
        try {
            out.writeEndArray();
            out.writeObjectFieldStart("otherData");
            for (var entry : otherData.entrySet()) {
                writeValue(entry.getKey(), entry.getValue());
            }
            out.writeNumberField("clampedTimestamps", clamped);
            out.writeNumberField("events", events);
            out.writeEndObject();
            out.writeEndObject();
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (!out.isClosed()) {
            try {
                out.close();
            } catch (IOException ignored) {
                // only reached when the trace is abandoned; its temporary file is discarded
            }
        }
    }

    private void metadata(int pid, int tid, String name, String field, Object value) {
        try {
            out.writeStartObject();
            out.writeStringField("ph", "M");
            out.writeStringField("name", name);
            out.writeNumberField("pid", pid);
            out.writeNumberField("tid", tid);
            out.writeObjectFieldStart("args");
            writeValue(field, value);
            out.writeEndObject();
            out.writeEndObject();
            events++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void event(
            String phase,
            int pid,
            int tid,
            String name,
            String category,
            double ts,
            Map<String, ?> args,
            String scope) {
        long track = ((long) pid << 32) | (tid & 0xffffffffL);
        double last = lastTs.getOrDefault(track, Double.NEGATIVE_INFINITY);
        if (ts < last) {
            ts = last;
            clamped++;
        }
        lastTs.put(track, ts);
        try {
            out.writeStartObject();
            out.writeStringField("ph", phase);
            if (name != null) {
                out.writeStringField("name", name);
            }
            if (category != null) {
                out.writeStringField("cat", category);
            }
            out.writeNumberField("ts", Math.round(ts * 1000) / 1000.0);
            out.writeNumberField("pid", pid);
            out.writeNumberField("tid", tid);
            if (scope != null) {
                out.writeStringField("s", scope);
            }
            if (!args.isEmpty()) {
                out.writeObjectFieldStart("args");
                for (var entry : args.entrySet()) {
                    writeValue(entry.getKey(), entry.getValue());
                }
                out.writeEndObject();
            }
            out.writeEndObject();
            events++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeValue(String field, Object value) throws IOException {
        switch (value) {
            case null -> out.writeNullField(field);
            case Integer i -> out.writeNumberField(field, i);
            case Long l -> out.writeNumberField(field, l);
            case Double d -> out.writeNumberField(field, d);
            case Boolean b -> out.writeBooleanField(field, b);
            default -> out.writeStringField(field, value.toString());
        }
    }
}
