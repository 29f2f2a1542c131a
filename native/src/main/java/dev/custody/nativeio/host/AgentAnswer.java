package dev.custody.nativeio.host;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.SequencedMap;
import java.util.stream.Collectors;

/**
 * What performing one line answered, in the guest agent's terms (its line format is documented in
 * the oracle's custody-agent.c): a result, a problem with the line itself, or the IOMMU groups.
 */
public sealed interface AgentAnswer permits AgentAnswer.Result, AgentAnswer.Problem, AgentAnswer.Groups {

    /** The answer as the guest agent prints it, one or more lines. */
    List<String> lines();

    /** The answer to {@code step}'s line: {@code ok}, an errno name, PENDING or WARN, and named values. */
    static Result result(String step, String result, SequencedMap<String, String> values) {
        return new Result(step, result, values);
    }

    /**
     * @param result ok, an errno name (EBUSY), PENDING (a sysfs write that blocks until user space
     *               lets go) or WARN (the call succeeded but the kernel logged a warning meanwhile)
     * @param values key=value pairs in the order printed
     */
    record Result(String step, String result, SequencedMap<String, String> values) implements AgentAnswer {
        public Result {
            Objects.requireNonNull(step, "step");
            Objects.requireNonNull(result, "result");
            values = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(values));
        }

        public boolean ok() {
            return result.equals("ok");
        }

        @Override
        public List<String> lines() {
            String pairs = values.entrySet().stream()
                    .map(e -> " " + e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining());
            return List.of("R " + step + " " + result + pairs);
        }
    }

    /** A line the agent could not perform (unknown verb, too few arguments, a number that does not parse). */
    record Problem(String step, String message) implements AgentAnswer {
        public Problem {
            Objects.requireNonNull(step, "step");
            Objects.requireNonNull(message, "message");
        }

        @Override
        public List<String> lines() {
            return List.of("E " + message);
        }
    }

    /** The kernel's IOMMU groups, each its number and its devices' addresses, in sysfs's order. */
    record Groups(List<List<String>> groups) implements AgentAnswer {
        public Groups {
            groups = groups.stream().map(List::copyOf).toList();
        }

        @Override
        public List<String> lines() {
            return groups.stream().map(g -> "G " + String.join(" ", g)).toList();
        }
    }
}
