package dev.custody.live;

import dev.custody.nativeio.host.AgentAnswer;
import dev.custody.nativeio.host.HostAgent;
import dev.custody.nativeio.host.MappedMemory;
import java.util.Map;
import java.util.Optional;

/**
 * {@link HostCalls} on this machine: the native module's FFM agent, which performs the catalogue's lines
 * with the real system calls and keeps the descriptors and object ids behind the model's names. A line
 * it cannot perform (a bug of ours, never the kernel's answer) is reported as EINVAL with its reason, so
 * it shows as drift, never as a crash. The coordinator performs lines; a server hands descriptors over
 * from its connections' threads: the two take turns (the agent's table is not shared safely otherwise),
 * so a descriptor is never duplicated while a line is closing it.
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
    public synchronized Answer perform(String step, String line) {
        return switch (agent.perform(step, line)) {
            case AgentAnswer.Result result -> new Answer(result.result(), result.values());
            case AgentAnswer.Problem problem -> new Answer("EINVAL", Map.of("problem", problem.message()));
            case AgentAnswer.Groups groups -> new Answer("ok", Map.of());
        };
    }

    @Override
    public synchronized int duplicate(String name) {
        return agent.duplicate(name);
    }

    @Override
    public synchronized int adopt(String name, int fd) {
        return agent.adopt(name, fd);
    }

    @Override
    public synchronized Optional<MappedMemory> mapped(String name, long iova, long length) {
        return agent.mapped(name, iova, length);
    }

    @Override
    public synchronized void close() {
        agent.close();
    }
}
