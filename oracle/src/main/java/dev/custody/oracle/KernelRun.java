package dev.custody.oracle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.oracle.vm.Kernel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One scenario run in the VM: the kernel's lines in the scenario-run format, what the kernel made
 * of the topology, and why the run is unusable when it is (set-up failed, the VM did not finish).
 */
public record KernelRun(
        String file,
        Kernel kernel,
        List<ObjectNode> lines,
        AgentAnswers answers,
        List<String> topologyDifferences,
        Optional<String> failure,
        Duration elapsed) {

    /** The step lines only (the last line is the summary). */
    public List<ObjectNode> stepLines() {
        return lines.isEmpty() ? List.of() : lines.subList(0, lines.size() - 1);
    }

    public boolean usable() {
        return failure.isEmpty();
    }
}
