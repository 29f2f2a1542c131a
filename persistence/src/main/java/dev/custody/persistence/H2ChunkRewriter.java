package dev.custody.persistence;

import org.h2.mvstore.MVStore;

/**
 * Rewrites the live pages of an H2 file's sparse old chunks into new ones, so the old chunks die and
 * their room is reused: the housekeeping H2's background writer does, which H2 does not start with
 * {@code WRITE_DELAY=0}.
 *
 * <p>Why it is needed: every commit stores a chunk of its own (the pages it changed), and a chunk's
 * room is reused only once none of its pages is live. An append-only table keeps the leaf a commit
 * filled for good, so most chunks keep one small page live and all their room with it (a journal's
 * chunk of 20-30 KB held one leaf of 1-2 KB). Without this the file grew with the run, and H2 kept an
 * object for each of those chunks in the heap (docs/BENCHMARKS.md, "Journal size on disk").
 *
 * <p>It changes no data: H2 marks the pages it rewrites as changed, and a commit stores them like any
 * other change (the sync thread's next sync covers it). Chunks younger than H2's
 * retention time are not touched (H2's own rule), so what a crash needs to recover is left alone.
 */
final class H2ChunkRewriter {
    /** How often the sync thread rewrites (H2's writer looks far more often, with a write delay). */
    static final long REWRITE_EVERY_MILLIS = 1_000;

    /**
     * How many bytes of live pages one rewrite moves at most, the sparsest, oldest chunks first. H2's
     * writer moves up to a quarter of its auto-commit buffer (19 MB with enough heap) per round while
     * the store is busy; a journal at 250 commits a second leaves about 1 MB of such pages a second.
     */
    static final int REWRITE_BYTES = 4 << 20;

    /**
     * Rewrite only while the chunks' data is less than this percent live (H2's auto-compact fill rate
     * is 90; the chunks kept for the retention time count as dead here, so a busy file is always
     * below it, and a quiet one, once compacted, above).
     */
    static final int TARGET_FILL_PERCENT = 80;

    private final long rewriteEveryNanos;
    private long lastRewriteNanos = System.nanoTime();
    private volatile long rewrites; // written by the sync thread only

    H2ChunkRewriter() {
        this(REWRITE_EVERY_MILLIS);
    }

    /** Rewrites at most once every {@code everyMillis} (0: at every chance, as tests want). */
    H2ChunkRewriter(long everyMillis) {
        this.rewriteEveryNanos = everyMillis * 1_000_000;
    }

    /** Rewrites if its interval has passed since the last time; true if pages moved. */
    boolean maybeRewrite(MVStore store) {
        long now = System.nanoTime();
        if (now - lastRewriteNanos < rewriteEveryNanos) {
            return false;
        }
        lastRewriteNanos = now;
        return rewriteNow(store);
    }

    /** Rewrites the sparsest old chunks now; true if pages moved. */
    boolean rewriteNow(MVStore store) {
        if (store.isClosed() || store.isReadOnly()) {
            return false;
        }
        boolean moved = store.compact(TARGET_FILL_PERCENT, REWRITE_BYTES);
        if (moved) {
            rewrites = rewrites + 1;
            store.commit(); // stores the moved pages now, so the chunks they left die now
        }
        return moved;
    }

    /** How many rewrites moved pages so far. */
    long rewrites() {
        return rewrites;
    }
}
