package dev.custody.persistence;

import org.h2.mvstore.MVStore;

/**
 * Keeps H2 from writing into the room of a dead chunk until the store that made it dead is on stable
 * storage, so that what was synced survives a power cut whatever order the disk wrote later stores in,
 * and so that H2 could give room back at once ({@code RETENTION_TIME} 0) without that risk.
 *
 * <p>Why: H2 writes its file copy-on-write. A commit stores a new chunk, and the chunks it no longer
 * uses die; H2 then writes later chunks into their room. After a power cut, a reopen goes back to the
 * newest chunk whose whole chunk set is intact on the disk. If the room of a chunk the last synced
 * store still used was overwritten while the store that stopped using it had not reached the disk
 * (the disk writes what the page cache holds in any order, before an fsync), nothing synced is left
 * intact, and the reopen rolls back past acknowledged decisions, or finds no valid chunk set. H2's
 * answer is {@code RETENTION_TIME}: no room of a chunk younger than 45 s is reused, on the assumption
 * that the disk has written everything older by then. It counts from when the chunk was written, not
 * from when it died ({@code FileStore.isSeasonedChunk} in 2.3.232), so a chunk older than that which
 * died after the last fsync could be overwritten before the next one; and it is why a busy file holds
 * the last 45 to 90 s of its writes.
 *
 * <p>How: H2 reuses a dead chunk's room only when no reader holds a store version at or before the
 * one in which it died ({@code MVStore.registerVersionUsage}, what every SQL statement does while it
 * reads). The sync thread holds such a version, the one of the newest chunk its last fsync covered:
 * a chunk that died at an older version is unused by that chunk (its layout says so, and H2's own
 * recovery relies on it), so its room may be overwritten; a chunk that died since waits for the next
 * fsync. What H2 reuses is then always room no synced store needs, whatever order the disk writes in.
 *
 * <p>Used by the sync thread only.
 */
final class H2SyncedVersionPin {
    private MVStore store;
    private MVStore.TxCounter held;

    /**
     * The version of the newest chunk stored so far, held until {@link #forced} or {@link #notForced}.
     * Call it under H2's store lock, where no store is under way, right before the fsync.
     */
    MVStore.TxCounter beforeForce(MVStore store) {
        return store.registerVersionUsage();
    }

    /** The fsync that started after {@link #beforeForce} returned: its version is now the one held. */
    void forced(MVStore store, MVStore.TxCounter synced) {
        MVStore.TxCounter previous = this.store == store ? held : null;
        this.store = store;
        this.held = synced;
        if (previous != null) {
            store.deregisterVersionUsage(previous);
        }
    }

    /** The fsync failed: the version taken before it is not held. */
    void notForced(MVStore store, MVStore.TxCounter unsynced) {
        store.deregisterVersionUsage(unsynced);
    }

    /** Whether a version is held on this store: room is reused only behind what was synced. */
    boolean holds(MVStore store) {
        return held != null && this.store == store;
    }

    /** Lets go of the version held (the sync thread closes its connection). */
    void release() {
        if (held != null && !store.isClosed()) {
            store.deregisterVersionUsage(held);
        }
        held = null;
        store = null;
    }
}
