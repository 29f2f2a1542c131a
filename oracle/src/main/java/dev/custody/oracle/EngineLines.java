package dev.custody.oracle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.ModelEngine;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioRunner;
import java.util.ArrayList;
import java.util.List;

/** The engine's step lines for a scenario: what {@code custody scenario run} prints, without the summary. */
public final class EngineLines {
    private EngineLines() {}

    public static List<ObjectNode> of(Scenario scenario) {
        List<ObjectNode> lines = new ArrayList<>();
        ScenarioRunner.run(scenario, new ModelEngine(), lines::add);
        return lines.subList(0, lines.size() - 1);
    }
}
