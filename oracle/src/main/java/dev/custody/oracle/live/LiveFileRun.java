package dev.custody.oracle.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.custody.entity.HostRecord;
import dev.custody.oracle.FileComparison;
import dev.custody.oracle.StepDisagreement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One scenario's run through the live engine, read from what {@link LiveScenarioRun} printed in the
 * guest: each step's line and the file's comparison in {@code oracle diff}'s shape. A step carried out
 * on the kernel is compared (the model's answer against the kernel's, and no drift); a step the model
 * refused, or that user space cannot make, was never put to the kernel, so it is not compared. Every
 * step's answer is also checked against the file's expectation, which for the recorded suite is the
 * kernel's own earlier answer. A step outside the allow-list, one the engine could not read, and a
 * drift that is not a call's (a change seen on the host that the model could not follow) count as
 * disagreements; a run that did not finish failed. The engine reports a call's drift after it has
 * answered, so drifts are kept as a list of the file's, not per step: a call's shows as its step's
 * result.
 *
 * @param steps the step lines, in order: {@code step, op, answer, model, kernel, line, notCarriedOut,
 *     expect}
 * @param drifts every drift the engine reported, with or without a step
 */
public record LiveFileRun(FileComparison comparison, List<ObjectNode> steps, List<String> drifts) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static LiveFileRun notRealisable(String file, String why) {
        return new LiveFileRun(FileComparison.notRealisable(file, why), List.of(), List.of());
    }

    /**
     * @param stepCount how many steps the scenario has: fewer lines is a run that did not finish
     * @param diagnosis what to say when it did not (the console's end)
     */
    public static LiveFileRun of(String file, String kernel, int stepCount, List<String> lines, String diagnosis) {
        List<ObjectNode> steps = new ArrayList<>();
        List<String> drifts = new ArrayList<>();
        Optional<String> setUp = Optional.empty();
        boolean ended = false;
        for (String line : lines) {
            if (line.startsWith(LiveScenarioRun.STEP)) {
                steps.add(parse(line.substring(LiveScenarioRun.STEP.length())));
            } else if (line.startsWith(LiveScenarioRun.DRIFT)) {
                drifts.add(line.substring(LiveScenarioRun.DRIFT.length()));
            } else if (line.startsWith(LiveScenarioRun.SETUP)) {
                setUp = Optional.of(line.substring(LiveScenarioRun.SETUP.length()));
            } else if (line.startsWith(LiveScenarioRun.END)) {
                ended = true;
            }
        }
        if (!ended || steps.size() != stepCount) {
            String why = setUp.orElse("the live run stopped after " + steps.size() + " of " + stepCount + " steps");
            return new LiveFileRun(FileComparison.failed(file, kernel, why + "\n" + diagnosis), steps, drifts);
        }
        return new LiveFileRun(compare(file, kernel, steps, drifts), steps, drifts);
    }

    private static FileComparison compare(String file, String kernel, List<ObjectNode> steps, List<String> drifts) {
        List<StepDisagreement> disagreements = new ArrayList<>();
        int compared = 0;
        int agreeing = 0;
        for (ObjectNode step : steps) {
            int number = step.path("step").asInt();
            String op = step.path("op").asText();
            List<StepDisagreement> found = new ArrayList<>();
            if (step.has("unreadable")) {
                found.add(new StepDisagreement(number, op, "request", step.get("unreadable"), TextNode.valueOf("")));
            }
            if (step.path("notCarriedOut").asText().equals("outside the allow-list")) {
                found.add(new StepDisagreement(
                        number, op, "allow-list", step.get("answer"), TextNode.valueOf("not asked")));
            }
            if (step.has("kernel") && !step.get("kernel").equals(step.get("model"))) {
                found.add(new StepDisagreement(number, op, "result", step.get("model"), step.get("kernel")));
            }
            if (step.has("expect") && !step.get("expect").equals(step.get("answer"))) {
                found.add(new StepDisagreement(number, op, "expect", step.get("answer"), step.get("expect")));
            }
            if (step.has("kernel") || !found.isEmpty()) {
                compared++;
                if (found.isEmpty()) {
                    agreeing++;
                }
            }
            disagreements.addAll(found);
        }
        for (String drift : drifts) {
            // a call carried out that drifted is its step's result disagreement already
            if (!drift.startsWith(HostRecord.CARRIED_OUT + " ")) {
                disagreements.add(
                        new StepDisagreement(0, "(host)", "drift", TextNode.valueOf(""), TextNode.valueOf(drift)));
            }
        }
        return new FileComparison(
                file, kernel, compared, agreeing, disagreements, List.of(), Optional.empty(), false, List.of());
    }

    private static ObjectNode parse(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (JsonProcessingException | ClassCastException e) {
            return JSON.createObjectNode().put("unreadable", "the guest printed " + json);
        }
    }

    /** Steps the engine answered without asking the kernel (the model refused, or user space cannot). */
    public long modelOnly() {
        return steps.stream().filter(s -> s.has("notCarriedOut")).count();
    }

    /** Steps carried out on the kernel. */
    public long carriedOut() {
        return steps.stream().filter(s -> s.has("kernel")).count();
    }
}
