package dev.custody.scenario;

import dev.custody.model.Topology;
import java.util.List;
import java.util.Optional;

/** A parsed and validated scenario file. {@code source} names where it came from, for messages. */
public record Scenario(String source, String name, Optional<String> description, Topology topology, List<Step> steps) {
    public Scenario {
        steps = List.copyOf(steps);
    }
}
