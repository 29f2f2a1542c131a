package dev.custody.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.pekko.dispatch.Futures;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import scala.concurrent.Future;

/**
 * Events kept in memory for the life of one ActorSystem: the journal of scenario runs, simulations and
 * `bench journal`'s in-memory row.
 *
 * <p>Pekko's own in-memory journal is a test fixture: it copies an immutable map of vectors on every
 * event, publishes every event on the event stream, and filters a persistence id's whole history to
 * replay any part of it. In `bench journal` it was 6% of all samples. Here a persistence id's events
 * are one array list in sequence-number order, found by a hash map, and a replay starts by a binary
 * search.
 *
 * <p>Two threads reach these lists: the plugin actor's, which writes and deletes, and a dispatcher
 * thread of Pekko's, which replays (Pekko's journal runs the replay in a callback of its query for the
 * highest sequence number). So the map is concurrent, each persistence id's list is read and changed
 * under its own lock, and a replay copies its range under that lock before it hands the events on.
 */
public final class InMemoryJournal extends AsyncWriteJournal {

    /** One persistence id's events, oldest first, and the highest sequence number it ever wrote; guarded by itself. */
    private static final class Events {
        final ArrayList<PersistentRepr> kept = new ArrayList<>();
        long highest;
    }

    private final Map<String, Events> byPersistenceId = new ConcurrentHashMap<>();

    @Override
    public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> writes) {
        long now = System.currentTimeMillis();
        for (AtomicWrite write : writes) {
            Events events = byPersistenceId.computeIfAbsent(write.persistenceId(), id -> new Events());
            synchronized (events) {
                write.payload().foreach(event -> {
                    // the tags are for a read journal's query; this journal has none, as Pekko's has none
                    Object payload = event.payload() instanceof Tagged tagged ? tagged.payload() : event.payload();
                    events.kept.add(event.withPayload(payload).withTimestamp(now));
                    events.highest = Math.max(events.highest, event.sequenceNr());
                    return null;
                });
            }
        }
        return Futures.successful(List.of()); // empty: every write succeeded
    }

    @Override
    public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
        Events events = byPersistenceId.get(persistenceId);
        if (events != null) {
            synchronized (events) {
                events.kept.subList(0, firstAbove(events.kept, toSequenceNr)).clear();
            }
        }
        return Futures.successful(null);
    }

    @Override
    public Future<Void> doAsyncReplayMessages(
            String persistenceId, long fromSequenceNr, long toSequenceNr, long max, Consumer<PersistentRepr> replay) {
        Events events = byPersistenceId.get(persistenceId);
        if (events == null) {
            return Futures.successful(null);
        }
        List<PersistentRepr> range = new ArrayList<>();
        synchronized (events) {
            for (int i = firstAbove(events.kept, fromSequenceNr - 1);
                    i < events.kept.size() && range.size() < max;
                    i++) {
                PersistentRepr event = events.kept.get(i);
                if (event.sequenceNr() > toSequenceNr) {
                    break;
                }
                range.add(event);
            }
        }
        range.forEach(replay); // outside the lock: the callback sends messages
        return Futures.successful(null);
    }

    @Override
    public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
        Events events = byPersistenceId.get(persistenceId);
        if (events == null) {
            return Futures.successful(0L);
        }
        synchronized (events) {
            return Futures.successful(events.highest);
        }
    }

    /** The index of the first event whose sequence number is above {@code sequenceNr}. */
    private static int firstAbove(List<PersistentRepr> kept, long sequenceNr) {
        int low = 0;
        int high = kept.size();
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (kept.get(middle).sequenceNr() <= sequenceNr) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }
}
