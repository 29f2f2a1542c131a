package dev.custody.server;

import dev.custody.api.OwnershipChange;
import dev.custody.model.state.KernelState;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The engine's decisions in journal order, as its subscription hears them: the state each journaled
 * decision was taken against. An answer carries the groups its decision named or changed, which
 * needs the state before it; with many clients that is the state after the previous journaled
 * decision, whoever asked for it. A request registers its operation id before it is sent, and its
 * answer waits for the decision's publication.
 */
final class Timeline {
    /** The state before a journaled decision, and its number. */
    record Before(KernelState state, long seq) {}

    private KernelState state;
    private long seq;
    private final Map<String, CompletableFuture<Before>> expected = new HashMap<>();
    /** States the engine already answered with, so that publication need not fold their events again. */
    private final Map<String, KernelState> answered = new HashMap<>();

    Timeline(KernelState initial, long lastSeq) {
        this.state = initial;
        this.seq = lastSeq;
    }

    /** Called before the operation is sent: its publication completes the returned stage. */
    synchronized CompletableFuture<Before> expect(String operationId) {
        CompletableFuture<Before> before = new CompletableFuture<>();
        expected.put(operationId, before);
        return before;
    }

    /** The operation was answered: without events it is never published; with events its state is known. */
    synchronized void answered(String operationId, boolean journaled, KernelState after) {
        if (journaled) {
            CompletableFuture<Before> waiting = expected.get(operationId);
            if (waiting != null && !waiting.isDone()) {
                answered.put(operationId, after);
            }
        } else {
            expected.remove(operationId);
        }
    }

    /** The engine failed the operation: it may be published later (after a restart), but nobody waits. */
    synchronized void abandoned(String operationId) {
        expected.remove(operationId);
        answered.remove(operationId);
    }

    synchronized void published(OwnershipChange change) {
        KernelState before = state;
        KernelState known = answered.remove(change.operationId());
        state = known != null ? known : before.applyAll(change.events());
        seq = change.seq();
        CompletableFuture<Before> waiting = expected.remove(change.operationId());
        if (waiting != null) {
            waiting.complete(new Before(before, change.seq()));
        }
    }

    /** The state after the last journaled decision published. */
    synchronized KernelState current() {
        return state;
    }

    synchronized long lastSeq() {
        return seq;
    }
}
