package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * An in-kernel user of the shared-attach interface (docs/scenario-format.md): allocates a domain for a
 * device, attaches devices of its group to the same or a different domain, detaches, frees.
 */
final class SharedDomainAgent implements Agent {
    private final Random random;
    private final List<DeviceId> devices;
    private final AgentMemory memory = new AgentMemory();
    private boolean allocating;

    private static final int MAX_DOMAINS = 4;

    SharedDomainAgent(long seed, Topology topology) {
        this.random = new Random(seed);
        this.devices = List.copyOf(topology.devices().keySet());
    }

    @Override
    public String name() {
        return "shared-domain";
    }

    @Override
    public Command<?> next() {
        DeviceId device = devices.get(random.nextInt(devices.size()));
        Optional<Handle> domain = memory.any("domain", random);
        int roll = random.nextInt(100);
        allocating = false;
        if (memory.all("domain").size() >= MAX_DOMAINS) {
            memory.forget(domain.get()); // a driver keeps a few domains, not thousands
            return new Command.DomainFree(domain.get());
        }
        if (domain.isEmpty() || roll < 15) {
            allocating = true;
            return new Command.DomainAlloc(device, "shared" + random.nextInt(1000));
        } else if (roll < 60) {
            return new Command.AttachShared(domain.get(), device);
        } else if (roll < 92) {
            return new Command.DetachShared(domain.get(), device);
        }
        memory.forget(domain.get());
        return new Command.DomainFree(domain.get());
    }

    @Override
    public void observe(Command<?> command, Outcome<Reply> outcome) {
        if (allocating) {
            memory.remember("domain", outcome);
        }
    }
}
