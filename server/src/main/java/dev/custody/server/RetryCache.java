package dev.custody.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The answers given to requests that carried an {@code opid}, so that a retry gets the original
 * answer and is never applied twice, also across restarts (the answers are in the state log).
 *
 * <p>A thin layer on purpose: once the engine answers a repeated operation id with its original
 * decision from the journal, this class, {@link DanglingIntents} and the answer records of the state
 * log go, and the server passes the opid on alone. Until then it keeps the newest {@value #KEPT}
 * answers.
 */
final class RetryCache {
    static final int KEPT = 200_000;

    /** An answer as given (without the request's id), and the request it answered. */
    record Answer(String fingerprint, ObjectNode message) {}

    private final Map<String, Answer> answers = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Answer> eldest) {
            return size() > KEPT;
        }
    };
    private final Map<String, CompletableFuture<Answer>> inFlight = new LinkedHashMap<>();

    /** What a request with this operation id should do: answer from here, wait, or go ahead. */
    sealed interface Lookup {}

    record Known(Answer answer) implements Lookup {}

    record Running(CompletableFuture<Answer> answer) implements Lookup {}

    record Proceed() implements Lookup {}

    synchronized Lookup claim(String operationId) {
        Answer known = answers.get(operationId);
        if (known != null) {
            return new Known(known);
        }
        CompletableFuture<Answer> running = inFlight.get(operationId);
        if (running != null) {
            return new Running(running);
        }
        inFlight.put(operationId, new CompletableFuture<>());
        return new Proceed();
    }

    synchronized void remember(String operationId, Answer answer) {
        answers.put(operationId, answer);
        Optional.ofNullable(inFlight.remove(operationId)).ifPresent(f -> f.complete(answer));
    }

    /** The request got no answer worth repeating (the engine failed): a retry runs it again. */
    synchronized void forget(String operationId) {
        Optional.ofNullable(inFlight.remove(operationId)).ifPresent(f -> f.complete(null));
    }

    synchronized void restore(String operationId, Answer answer) {
        answers.put(operationId, answer);
    }

    synchronized Map<String, Answer> snapshot() {
        return new LinkedHashMap<>(answers);
    }
}
