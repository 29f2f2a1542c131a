package dev.custody.persistence;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.dispatch.Futures;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.snapshot.japi.SnapshotStore;
import scala.concurrent.Future;

/**
 * Snapshots kept in memory for the life of one ActorSystem, next to Pekko's in-memory journal. Pekko
 * ships none outside its test kit (its "local" store writes files), and the in-memory configuration is
 * what scenario runs and simulations use, so it must not need the test kit on the class path.
 */
public final class InMemorySnapshotStore extends SnapshotStore {

    private final Map<String, NavigableMap<Long, SelectedSnapshot>> byPersistenceId = new ConcurrentHashMap<>();

    @Override
    public Future<Optional<SelectedSnapshot>> doLoadAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
        NavigableMap<Long, SelectedSnapshot> snapshots = byPersistenceId.getOrDefault(persistenceId, new TreeMap<>());
        for (SelectedSnapshot snapshot : snapshots.descendingMap().values()) {
            if (criteria.matches(snapshot.metadata())) {
                return Futures.successful(Optional.of(snapshot));
            }
        }
        return Futures.successful(Optional.empty());
    }

    @Override
    public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
        byPersistenceId
                .computeIfAbsent(metadata.persistenceId(), id -> new TreeMap<>())
                .put(metadata.sequenceNr(), SelectedSnapshot.create(metadata, snapshot));
        return Futures.successful(null);
    }

    @Override
    public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
        NavigableMap<Long, SelectedSnapshot> snapshots = byPersistenceId.get(metadata.persistenceId());
        if (snapshots != null) {
            snapshots.remove(metadata.sequenceNr());
        }
        return Futures.successful(null);
    }

    @Override
    public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
        NavigableMap<Long, SelectedSnapshot> snapshots = byPersistenceId.get(persistenceId);
        if (snapshots != null) {
            snapshots.values().removeIf(snapshot -> criteria.matches(snapshot.metadata()));
        }
        return Futures.successful(null);
    }
}
