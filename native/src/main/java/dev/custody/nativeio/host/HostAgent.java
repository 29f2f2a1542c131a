package dev.custody.nativeio.host;

import dev.custody.nativeio.libc.Libc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The oracle guest agent's interpreter (custody-agent.c) in Java: performs one line of its verb
 * language, as the catalogue's operations render themselves, with the real system calls (sysfs
 * writes, opens, VFIO and iommufd ioctls, the test module's in-kernel calls) and answers as the C
 * agent answers, so the engine can carry out an accepted operation on the host's kernel.
 *
 * <p>Lines name their objects ("g1", "c1", "ioas1"); the agent keeps the descriptors and iommufd
 * object ids behind those names until {@link #close()}. One thread performs the lines; sysfs writes
 * that block run on threads of their own and are reported by {@link #completions()}.
 */
public final class HostAgent implements AutoCloseable {
    /** The agent's longest line: a verb and 16 arguments; words beyond are not read. */
    static final int MOST_WORDS = 17;
    /** Writes still blocked when the agent closes get this long once every descriptor is closed. */
    static final Duration LAST_CHANCE = Duration.ofSeconds(3);

    private final HostContext host;
    private final Map<String, Verb> verbs = new LinkedHashMap<>();
    private final List<AgentCompletion> seen = new ArrayList<>();
    private final IommufdVerbs iommufd;
    private final KmodVerb kmod;
    private String lastStep = "-";
    private boolean closed;

    public HostAgent(HostPaths paths) {
        this.host = new HostContext(paths);
        this.iommufd = new IommufdVerbs(host, host.areas);
        this.kmod = new KmodVerb(host, host.areas);
        List<Verb> all = new ArrayList<>();
        all.addAll(new DriverCoreVerbs(host).verbs());
        all.addAll(new DescriptorVerbs(host, seen).verbs());
        all.addAll(new VfioVerbs(host).verbs());
        all.addAll(new HotResetVerbs(host).verbs());
        all.addAll(iommufd.verbs());
        all.add(kmod.verb());
        all.forEach(v -> verbs.put(v.name(), v));
    }

    /** The agent on this machine's {@code /sys} and {@code /dev}. */
    public static HostAgent onThisHost() {
        return new HostAgent(HostPaths.standard());
    }

    /**
     * Performs {@code line} ("VERB ARGS...", as the catalogue renders it) as step {@code step}.
     * A line that cannot be performed (an unknown verb, too few arguments, a number that does not
     * parse) is answered with an {@link AgentAnswer.Problem} naming it.
     */
    public AgentAnswer perform(String step, String line) {
        if (closed) {
            throw new IllegalStateException("the agent is closed; step " + step + " (" + line + ") cannot run");
        }
        lastStep = step;
        host.kernelLog.warned(); // what the kernel logged before the step is not the step's
        String[] words = line.strip().split("[ \t\n]+");
        if (words[0].isEmpty()) {
            return new AgentAnswer.Problem(step, "step " + step + ": empty line");
        }
        Verb verb = verbs.get(words[0]);
        if (verb == null) {
            return new AgentAnswer.Problem(step, "step " + step + ": unknown verb " + words[0]);
        }
        List<String> args = Arrays.asList(words).subList(1, Math.min(words.length, MOST_WORDS));
        if (args.size() < verb.arguments()) {
            return new AgentAnswer.Problem(
                    step, "step " + step + ": " + verb.name() + " needs " + verb.arguments() + " arguments");
        }
        try {
            return verb.body().perform(step, List.copyOf(args));
        } catch (BadLine bad) {
            return new AgentAnswer.Problem(
                    step, "step " + step + ": cannot perform \"" + line.strip() + "\": " + bad.getMessage());
        }
    }

    /** The writes answered PENDING that have finished since the last call, with the step that ran when they did. */
    public List<AgentCompletion> completions() {
        List<AgentCompletion> finished = new ArrayList<>(seen);
        seen.clear();
        if (!closed) {
            finished.addAll(host.writes.collect(lastStep, Duration.ZERO));
        }
        return finished;
    }

    /** The open descriptor behind a name, if it has one (to hand to another process). */
    public OptionalInt descriptor(String name) {
        return host.names
                .find(name)
                .filter(n -> n.fd >= 0)
                .map(n -> OptionalInt.of(n.fd))
                .orElse(OptionalInt.empty());
    }

    /**
     * A second descriptor for the open file behind a name (close-on-exec), to hand to another process:
     * it stays valid when a later line closes the name, until the caller closes it.
     *
     * @return the duplicate, or -errno: EBADF when the name stands for no open descriptor
     */
    public int duplicate(String name) {
        if (closed) {
            return -Libc.EBADF;
        }
        OptionalInt fd = descriptor(name);
        if (fd.isEmpty()) {
            return -Libc.EBADF;
        }
        int duplicate = Libc.duplicate(fd.getAsInt());
        if (duplicate >= 0) {
            // the other process may keep the file's objects alive: their memory stays until the agent closes
            host.owners.handedOver(name);
        }
        return duplicate;
    }

    /**
     * The agent's own view of the bytes that the IOAS or VFIO container named {@code name} maps at
     * {@code iova}: the memory the agent allocated for that map and the kernel pinned, to write what a
     * device should read and read back what it wrote. Empty when no map of it covers the range.
     */
    public Optional<MappedMemory> mapped(String name, long iova, long length) {
        if (closed) {
            return Optional.empty();
        }
        return host.owners.view(host.owner(name), iova, length);
    }

    /** The memory the agent holds for maps, one line per buffer with the maps that use it. */
    public List<String> mapMemory() {
        return host.owners.describe();
    }

    /**
     * Takes {@code fd} as the descriptor behind {@code name}, which must stand for none: a descriptor
     * given back to a new process by the one it was handed to (the agent of the process that handed it
     * over died with its own). The agent owns {@code fd} from then on. The name's iommufd object ids
     * are not learnt again: the new agent knows only the descriptor.
     *
     * @return 0, or -errno: EEXIST when the name has a descriptor already, EBADF when the agent is closed
     */
    public int adopt(String name, int fd) {
        if (closed) {
            return -Libc.EBADF;
        }
        AgentName entry = host.names.of(name);
        if (entry.fd >= 0) {
            return -EEXIST;
        }
        entry.fd = fd;
        return 0;
    }

    private static final int EEXIST = 17;

    /**
     * Closes every descriptor the agent holds; writes still blocked then get {@link #LAST_CHANCE}
     * to finish (their close was what they waited for), reported by {@link #completions()} at "end".
     * Then the memory the agent backed maps with is unmapped, so that another agent in this process
     * finds those addresses free ({@link UserMemory}): what the closes freed already, and what a
     * descriptor handed to another process kept.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AgentName name : host.names.all()) {
            if (name.fd >= 0) {
                Libc.close(name.fd);
                name.fd = -1;
            }
        }
        iommufd.close();
        kmod.close();
        host.kernelLog.close();
        seen.addAll(host.writes.collect("end", host.writes.pendingCount() > 0 ? LAST_CHANCE : Duration.ZERO));
        host.owners.close();
        host.memory.close(); // after the descriptors: the kernel has let go of what their maps pinned
    }
}
