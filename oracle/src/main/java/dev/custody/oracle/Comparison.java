package dev.custody.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.custody.scenario.Expectations;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.Step;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Step-by-step comparison of the engine's lines with the kernel's. A step agrees when the results
 * are the same, the same blocked steps complete on it, and, when both succeeded, every value the
 * kernel reports (see {@link KernelLines}) is the engine's too. An automatic HWPT has no name the
 * kernel knows, so an attach is compared on whether it used the pt it was given or an automatic one.
 */
public final class Comparison {
    private Comparison() {}

    public static FileComparison of(Scenario scenario, List<ObjectNode> engineLines, KernelRun kernel) {
        List<StepDisagreement> disagreements = new ArrayList<>();
        List<StepOutcome> outcomes = new ArrayList<>();
        Set<String> named = namedObjects(scenario);
        int compared = 0;
        int agreeing = 0;
        List<ObjectNode> kernelLines = kernel.stepLines();
        for (int i = 0; i < scenario.steps().size(); i++) {
            Step step = scenario.steps().get(i);
            ObjectNode engine = engineLines.get(i);
            ObjectNode guest = kernelLines.get(i);
            List<StepDisagreement> found = compare(step, engine, guest, named);
            outcomes.add(new StepOutcome(
                    step.op(),
                    engine.path("result").asText(),
                    guest.path("result").asText()));
            compared++;
            if (found.isEmpty()) {
                agreeing++;
            }
            disagreements.addAll(found);
        }
        return new FileComparison(
                scenario.source(),
                kernel.kernel().name(),
                compared,
                agreeing,
                disagreements,
                kernel.topologyDifferences(),
                Optional.empty(),
                false,
                outcomes);
    }

    /**
     * Two kernels compared with each other on one scenario: where kernel versions differ. The first
     * run stands where the engine stands in {@link #of}; group differences of either run count.
     */
    public static FileComparison ofKernels(Scenario scenario, KernelRun first, KernelRun second) {
        FileComparison steps = of(scenario, first.stepLines(), second);
        List<String> groups = new ArrayList<>();
        first.topologyDifferences().forEach(d -> groups.add(first.kernel().name() + ": " + d));
        second.topologyDifferences().forEach(d -> groups.add(second.kernel().name() + ": " + d));
        return new FileComparison(
                scenario.source(),
                first.kernel().name() + " vs " + second.kernel().name(),
                steps.compared(),
                steps.agreeing(),
                steps.disagreements(),
                groups,
                Optional.empty(),
                false,
                steps.outcomes());
    }

    private static List<StepDisagreement> compare(Step step, ObjectNode engine, ObjectNode guest, Set<String> named) {
        List<StepDisagreement> found = new ArrayList<>();
        if (!engine.get("result").equals(guest.get("result"))) {
            found.add(disagreement(step, "result", engine.get("result"), guest.get("result")));
            return found;
        }
        JsonNode engineCompletes = engine.get("completes");
        JsonNode guestCompletes = guest.get("completes");
        if (!Expectations.matches(engineCompletes, guestCompletes)
                || !Expectations.matches(guestCompletes, engineCompletes)) {
            found.add(disagreement(step, "completes", engineCompletes, guestCompletes));
        }
        JsonNode guestValue = guest.get("value");
        JsonNode engineValue = engine.get("value");
        if (guestValue == null || engineValue == null) {
            return found;
        }
        Iterator<String> fields = guestValue.fieldNames();
        while (fields.hasNext()) {
            String field = fields.next();
            JsonNode kernelField = guestValue.get(field);
            JsonNode engineField = engineValue.get(field);
            if (step.op().equals("cdev.attach") && field.equals("pt") && engineField != null) {
                engineField = TextNode.valueOf(
                        named.contains(engineField.asText()) ? engineField.asText() : KernelLines.AUTO_PT);
            }
            if (!Expectations.matches(kernelField, engineField)) {
                found.add(disagreement(step, "value." + field, engineField, kernelField));
            }
        }
        return found;
    }

    /** Names the scenario gives to IOASes and HWPTs it allocates: the pts an attach can name. */
    private static Set<String> namedObjects(Scenario scenario) {
        Set<String> named = new HashSet<>();
        scenario.steps().stream()
                .filter(s -> s.op().equals("iommufd.ioas_alloc") || s.op().equals("iommufd.hwpt_alloc"))
                .forEach(s -> s.as().ifPresent(named::add));
        return named;
    }

    private static StepDisagreement disagreement(Step step, String field, JsonNode engine, JsonNode kernel) {
        return new StepDisagreement(step.number(), step.op(), field, engine, kernel);
    }
}
