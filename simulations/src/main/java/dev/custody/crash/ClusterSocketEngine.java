package dev.custody.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.KernelEngine;
import dev.custody.api.ModelEngine;
import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandText;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import dev.custody.sim.EngineDisagreement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One instance of a cluster's fleet as a {@link KernelEngine} for a simulation: every call is sent
 * through a node's request socket (Cluster Sharding takes it to the node that runs the instance) and
 * decided there on the shared journal; the same call is decided here on the pure model, in the same
 * order, and the two answers must be the same. The model's decision (its events and state) is what
 * the simulation's invariant checks see: the socket answers with the result and reply only, and an
 * answer equal to the model's stands for the same decision.
 */
public final class ClusterSocketEngine implements KernelEngine {
    /** How long one request waits; the first one of an instance starts its engine on a node. */
    static final Duration ASK = Duration.ofSeconds(10);

    /** Requests sent again under the same operation id before the call counts as unanswered. */
    static final int ATTEMPTS = 6;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String instance;
    private final Path socket;
    private final ModelEngine model = new ModelEngine();
    private final Set<String> nodes = Collections.synchronizedSet(new TreeSet<>());

    public ClusterSocketEngine(String instance, Path socket) {
        this.instance = instance;
        this.socket = socket;
    }

    /** The nodes whose engine decided this instance's calls (more than one when it moved). */
    public Set<String> nodes() {
        synchronized (nodes) {
            return Set.copyOf(nodes);
        }
    }

    /** The model's boot: the cluster boots the instance from the fleet's machine on its first request. */
    @Override
    public Decision boot(Topology topology) {
        return model.boot(topology);
    }

    @Override
    public CompletionStage<Decision> submit(Command<?> command, String operationId) {
        return CompletableFuture.completedFuture(decide(command, operationId));
    }

    /** The calls of a simulation are decided one at a time per host, so both sides see the same order. */
    @Override
    public synchronized Decision decide(Command<?> command, String operationId) {
        Decision expected = model.decide(command, operationId);
        JsonNode answer = ask(command, operationId);
        if (answer.hasNonNull("error")) {
            throw new IllegalStateException("node refused " + operationId + " on " + instance + ": "
                    + answer.get("error").asText());
        }
        nodes.add(answer.path("node").asText());
        AnswerRecord modelAnswer = AnswerRecord.of(expected.outcome());
        JsonNode modelValue = modelAnswer.value().isEmpty() ? JSON.nullNode() : tree(modelAnswer.value());
        if (!answer.path("result").asText().equals(modelAnswer.result())
                || !answer.path("value").equals(modelValue)) {
            throw new EngineDisagreement("instance " + instance + " answered " + operationId + " ("
                    + CommandText.write(command) + ") with "
                    + answer.path("result").asText() + " "
                    + answer.path("value") + " on " + answer.path("node").asText() + ", the model with "
                    + modelAnswer.result() + " " + modelValue + " " + modelAnswer.reason());
        }
        return expected;
    }

    /** The answer, asking again under the same operation id (never decided twice) while none comes. */
    private JsonNode ask(Command<?> command, String operationId) {
        ObjectNode request = JSON.createObjectNode()
                .put("instance", instance)
                .put("caller", "simulate")
                .put("opid", operationId);
        request.set("command", tree(CommandText.write(command)));
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<JsonNode> answer = ClusterSocketClient.ask(socket, request, ASK);
            if (answer.isPresent()) {
                return answer.get();
            }
        }
        throw new IllegalStateException("no answer from instance " + instance + " to " + operationId + " in " + ATTEMPTS
                + " tries of " + ASK.toSeconds() + " s through " + socket.getFileName());
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException bad) {
            throw new UncheckedIOException(bad);
        }
    }

    @Override
    public KernelState state() {
        return model.state();
    }

    /** The instance stays with the cluster (and its journal); nothing of it runs here. */
    @Override
    public void close() {}
}
