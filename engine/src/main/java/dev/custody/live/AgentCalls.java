package dev.custody.live;

import dev.custody.nativeio.host.AgentAnswer;
import dev.custody.nativeio.host.HostAgent;
import java.util.Map;

/**
 * {@link HostCalls} on this machine: the native module's FFM agent, which performs the catalogue's lines
 * with the real system calls and keeps the descriptors and object ids behind the model's names. A line
 * it cannot perform (a bug of ours, never the kernel's answer) is reported as EINVAL with its reason, so
 * it shows as drift, never as a crash.
 */
public final class AgentCalls implements HostCalls, AutoCloseable {
    private final HostAgent agent;

    public AgentCalls(HostAgent agent) {
        this.agent = agent;
    }

    public static AgentCalls onThisHost() {
        return new AgentCalls(HostAgent.onThisHost());
    }

    @Override
    public Answer perform(String step, String line) {
        return switch (agent.perform(step, line)) {
            case AgentAnswer.Result result -> new Answer(result.result(), result.values());
            case AgentAnswer.Problem problem -> new Answer("EINVAL", Map.of("problem", problem.message()));
            case AgentAnswer.Groups groups -> new Answer("ok", Map.of());
        };
    }

    @Override
    public void close() {
        agent.close();
    }
}
