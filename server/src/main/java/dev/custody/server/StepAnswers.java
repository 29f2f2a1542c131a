package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.Command;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import dev.custody.scenario.ReplyJson;
import dev.custody.scenario.ScenarioRunner;
import dev.custody.scenario.Step;
import java.util.Optional;

/**
 * A decision as the answer to its request, carrying what {@code custody scenario run} prints for the
 * same step (docs/protocol.md, Answers): the value, the groups the step named or changed, the calls
 * it let finish, and the journaled decision's number.
 */
final class StepAnswers {
    private StepAnswers() {}

    /** The answer without the request's id; {@code completes} as {@code scenario run} writes it. */
    static ObjectNode of(
            Step step,
            Command<?> command,
            KernelState before,
            Decision decision,
            Optional<Long> seq,
            Optional<JsonNode> completes) {
        Optional<JsonNode> state = ScenarioRunner.stateField(step, command, before, decision);
        Outcome<Reply> outcome = decision.outcome();
        ObjectNode body = Messages.NODES.objectNode();
        if (outcome instanceof Outcome.Failed<Reply> failed) {
            body.put("class", failed.errno().name());
            body.put("desc", failed.reason());
            body.put("origin", "kernel");
        } else {
            if (outcome instanceof Outcome.Ok<Reply> ok) {
                ReplyJson.value(ok.value()).ifPresent(v -> body.set("value", v));
            }
            if (outcome instanceof Outcome.Warned<Reply> warned) {
                body.put("warning", warned.reason());
            }
            if (outcome instanceof Outcome.Pending<Reply> pending) {
                body.put("pending", true);
                body.put("reason", pending.reason());
            }
        }
        state.ifPresent(s -> body.set("state", s));
        completes.ifPresent(c -> body.set("completes", c));
        seq.ifPresent(s -> body.put("seq", s));
        ObjectNode answer = Messages.NODES.objectNode();
        answer.set(outcome instanceof Outcome.Failed ? "error" : "return", body);
        return answer;
    }

    /** The scenario-format result name of an answer: ok, WARN, PENDING or the errno. */
    static String result(ObjectNode answer) {
        if (answer.has("error")) {
            return answer.get("error").path("class").asText();
        }
        JsonNode body = answer.path("return");
        if (body.path("pending").asBoolean(false)) {
            return "PENDING";
        }
        return body.has("warning") ? "WARN" : "ok";
    }
}
