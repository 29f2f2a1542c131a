package dev.custody.crash;

import com.typesafe.config.Config;
import dev.custody.replay.BadJournal;
import dev.custody.replay.InvariantCheck;
import dev.custody.replay.JournalHistory;
import dev.custody.replay.JournalReader;
import dev.custody.replay.JournalTrace;
import dev.custody.replay.Replay;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The trace of a crash test: the journal the last recovery left, as {@code replay --trace} writes it
 * (every decision at the time its row was written, every invariant the replay finds broken), with the
 * run's own moments on a track of their own: each cycle's start and its kill, the torn tail, the final
 * recovery, at the parent's wall clock.
 */
final class CrashTrace {
    private record Marker(Instant at, String name, Map<String, Object> args) {}

    private final List<Marker> markers = new ArrayList<>();

    synchronized void mark(String name, Map<String, Object> args) {
        markers.add(new Marker(Instant.now(), name, new LinkedHashMap<>(args)));
    }

    /** Writes the trace and closes {@code out}; empty when written, else why not (the journal cannot be read). */
    synchronized Optional<String> write(OutputStream out, Config journal, String instance, String killName) {
        JournalHistory history;
        try {
            history = JournalReader.read(journal, instance);
        } catch (BadJournal unreadable) {
            return Optional.of("the journal cannot be read: " + unreadable.getMessage());
        }
        InvariantCheck invariants = new InvariantCheck();
        JournalTrace trace = new JournalTrace(
                out,
                history,
                List.of(invariants::violations),
                markers.stream().map(Marker::at).min(Instant::compareTo));
        try {
            Replay.fold(history, Long.MAX_VALUE, List.of(invariants, trace));
            markers.forEach(m -> trace.marker(m.name(), m.at(), m.args()));
            trace.finish(
                    history.decisions().size(),
                    Map.of(
                            "command",
                            "custody crash-test",
                            "instance",
                            history.instance(),
                            "kills",
                            killName,
                            "clock",
                            "journal: microseconds since the first decision's row was written; the run's"
                                    + " markers at the test's wall clock (the same clock unless the child ran"
                                    + " in the VM, whose clock is the guest's)"));
            return Optional.empty();
        } finally {
            trace.close();
        }
    }
}
