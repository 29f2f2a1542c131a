package dev.custody.oracle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.ModelEngine;
import dev.custody.rules.Mutant;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The engine's step lines for a scenario: what {@code custody scenario run} prints, without the summary. */
public final class EngineLines {
    private EngineLines() {}

    public static List<ObjectNode> of(Scenario scenario) {
        return of(scenario, Set.of());
    }

    /** The lines of the model with {@code mutants} switched on (none: the kernel's rules). */
    public static List<ObjectNode> of(Scenario scenario, Set<Mutant> mutants) {
        List<ObjectNode> lines = new ArrayList<>();
        ScenarioRunner.run(scenario, new ModelEngine(mutants), lines::add);
        return lines.subList(0, lines.size() - 1);
    }
}
