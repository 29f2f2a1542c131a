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
 * <p>The engine answers a repeated operation id too ({@code Custody.decide(command, operationId)}),
 * and the server passes the opid on, so nothing is decided twice either way. This layer stays because
 * the engine's memory is not enough for the protocol's promise: it keeps a retried command's outcome
 * (result, reason, value) but not the answer's decision number ({@code seq}) or the groups' state at
 * the decision, so its answer to a repeat would differ from the first one; and it forgets after its
 * newest 10,000 caller-named operations, when a repeat is decided again. This class keeps the newest
 * {@value #KEPT} answers as they were sent, and {@link JournalLookup} finds an unanswered request's
 * decision in the whole journal. Giving both up needs the engine to keep the decision number with
 * each remembered operation (a field of its snapshot record) and a longer memory.
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
