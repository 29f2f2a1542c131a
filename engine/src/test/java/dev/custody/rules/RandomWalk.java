package dev.custody.rules;

import dev.custody.invariants.Invariants;
import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.ops.Caller;
import dev.custody.ops.Draw;
import dev.custody.ops.HandleKind;
import dev.custody.ops.Operation;
import dev.custody.ops.Operations;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * A seeded random walk over the pure model, with shrinking: generate steps from a seed, check a
 * property after every step, and on failure drop steps one at a time while it still fails. Steps
 * name the objects they use by the step that created them, so dropping a step leaves the others
 * meaning what they meant (a dropped creator's objects become names that were never bound).
 */
public final class RandomWalk {
    private final Topology topology;
    private final List<DeviceId> devices;
    private final List<GroupId> groups;

    /**
     * The calls that open the deeper paths (a claimed group, a device fd, a bound cdev) are drawn twice
     * as often as the others, or a walk of a few hundred steps seldom gets past them.
     */
    private static final Set<String> DRAWN_TWICE =
            Set.of("vfio.group.set_container", "vfio.group.get_device_fd", "cdev.bind");

    /** The operations a walk draws from: every one with a generator, the in-kernel ones only when asked for. */
    private final List<Operation<?>> operations;

    private final boolean inKernelCalls;

    /** {@code inKernelCalls}: also make raw in-kernel API calls, which may break caller contracts. */
    public RandomWalk(Topology topology, boolean inKernelCalls) {
        this.topology = topology;
        this.inKernelCalls = inKernelCalls;
        this.devices = List.copyOf(topology.devices().keySet());
        this.groups = topology.devices().values().stream()
                .flatMap(d -> d.group().stream())
                .distinct()
                .toList();
        this.operations = Operations.all().stream()
                .filter(Operation::generates)
                .filter(op -> inKernelCalls || op.caller() != Caller.IN_KERNEL)
                .flatMap(op -> java.util.Collections.nCopies(DRAWN_TWICE.contains(op.name()) ? 2 : 1, op).stream())
                .<Operation<?>>map(op -> op)
                .toList();
    }

    /**
     * Why a step broke the property, or empty when it held. {@code callerBroke}: an earlier step left
     * a caller contract (a CALLER invariant) broken, after which the kernel promises nothing more.
     */
    interface Property {
        Optional<String> check(KernelState before, Command<?> command, Decision decision, boolean callerBroke);
    }

    /**
     * One generated step: its id, which operation, the seed of its plain arguments, and its
     * references. A reference k means "the k-th newest object of the kind the operation's next handle
     * argument wants" (or, for a negative k, of any kind), resolved at replay, so a shrunk walk still
     * finds its objects.
     */
    record Step(int id, int operation, long argumentSeed, int[] references) {}

    record Failure(long seed, List<Command<?>> commands, String why) {
        String report() {
            StringBuilder text = new StringBuilder(
                    "seed " + seed + ": " + why + "\nminimal sequence (" + commands.size() + " commands):\n");
            for (int i = 0; i < commands.size(); i++) {
                text.append("  ")
                        .append(i + 1)
                        .append(". ")
                        .append(commands.get(i))
                        .append('\n');
            }
            return text.toString();
        }
    }

    Optional<Failure> run(long seed, int steps, Property property) {
        List<Step> generated = generate(seed, steps);
        if (replay(generated, property).failure().isEmpty()) {
            return Optional.empty();
        }
        List<Step> minimal = shrink(generated, property);
        Replay replay = replay(minimal, property);
        return Optional.of(new Failure(seed, replay.commands(), replay.failure().orElseThrow()));
    }

    /** The commands of a plain run without checking anything (for coverage statistics). */
    public List<Command<?>> commands(long seed, int steps) {
        return replay(generate(seed, steps), (b, c, d, broke) -> Optional.empty())
                .commands();
    }

    private record Replay(List<Command<?>> commands, Optional<String> failure) {}

    private Replay replay(List<Step> steps, Property property) {
        KernelState state = Kernel.boot(topology).state();
        List<Typed> created = new ArrayList<>();
        List<Command<?>> commands = new ArrayList<>();
        boolean callerBroke = false;
        for (Step step : steps) {
            Command<?> command = command(step, created);
            commands.add(command);
            Decision decision = Operations.decide(state, command);
            callerBroke |= Invariants.check(state).stream().anyMatch(v -> v.kind() == Violation.Kind.CALLER);
            Optional<String> broken = property.check(state, command, decision, callerBroke);
            if (broken.isPresent()) {
                return new Replay(
                        commands, Optional.of("step " + commands.size() + " " + command + ": " + broken.get()));
            }
            if (decision.outcome() instanceof Outcome.Ok<Reply> ok) {
                switch (ok.value()) {
                    case Reply.Created c -> created.add(new Typed(c.handle(), kindOf(decision.state(), c.handle())));
                    case Reply.Attached a -> created.add(new Typed(a.hwpt(), HandleKind.HWPT));
                    default -> {}
                }
            }
            state = decision.state();
        }
        return new Replay(commands, Optional.empty());
    }

    private record Typed(Handle handle, HandleKind kind) {}

    private static HandleKind kindOf(KernelState state, Handle handle) {
        return switch (handle) {
            case Handle.Domain d -> HandleKind.DOMAIN;
            case Handle.File f ->
                switch (state.file(f.id()).orElseThrow()) {
                    case OpenFile.VfioGroupFile g -> HandleKind.GROUP_FILE;
                    case OpenFile.VfioContainer c -> HandleKind.CONTAINER;
                    case OpenFile.VfioDeviceFile d -> HandleKind.DEVICE_FILE;
                    case OpenFile.IommufdFile i -> HandleKind.IOMMUFD;
                    case OpenFile.CdevFile c -> HandleKind.CDEV;
                };
            case Handle.IommufdObject o ->
                state.file(o.iommufd())
                        .map(f -> ((OpenFile.IommufdFile) f).objects().get(o.id()) instanceof IommufdObject.Ioas
                                ? HandleKind.IOAS
                                : HandleKind.HWPT)
                        .orElse(HandleKind.ANY);
            default -> HandleKind.ANY;
        };
    }

    /** The k-th newest created object of the kind (any kind for a negative k); fd -1 when there is none. */
    private static Handle resolve(List<Typed> created, int reference, HandleKind wanted) {
        List<Typed> candidates = created.stream()
                .filter(t -> reference < 0
                        || wanted == HandleKind.ANY
                        || t.kind() == wanted
                        || (wanted == HandleKind.PAGE_TABLE
                                && (t.kind() == HandleKind.IOAS || t.kind() == HandleKind.HWPT))
                        || (wanted == HandleKind.DOMAIN && t.kind() == HandleKind.HWPT))
                .toList();
        if (candidates.isEmpty()) {
            return new Handle.Number(-1);
        }
        int k = Math.floorMod(reference < 0 ? -reference : reference, Math.min(candidates.size(), 4));
        return candidates.get(candidates.size() - 1 - k).handle();
    }

    /** Truncate after the failing step, then drop single steps while the property still fails. */
    private List<Step> shrink(List<Step> steps, Property property) {
        List<Step> current = new ArrayList<>(
                steps.subList(0, replay(steps, property).commands().size()));
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int i = current.size() - 1; i >= 0; i--) {
                List<Step> candidate = new ArrayList<>(current);
                candidate.remove(i);
                if (replay(candidate, property).failure().isPresent()) {
                    current = candidate;
                    progress = true;
                }
            }
        }
        return current;
    }

    /** References point mostly at the newest creators, so a group fd and a container opened together meet. */
    List<Step> generate(long seed, int count) {
        Random random = new Random(seed);
        List<Step> steps = new ArrayList<>();
        for (int id = 0; id < count; id++) {
            int[] references = new int[3];
            for (int r = 0; r < references.length; r++) {
                // mostly the right kind of object; sometimes any object, to reach the wrong-kind errnos
                references[r] = random.nextInt(10) < 8 ? random.nextInt(4) : -1 - random.nextInt(4);
            }
            steps.add(new Step(id, random.nextInt(operations.size()), random.nextLong(), references));
        }
        return steps;
    }

    /** The step's command, drawn by its operation's generator from the step's seed and references. */
    private Command<?> command(Step step, List<Typed> created) {
        Random x = new Random(step.argumentSeed());
        Draw draw = new Draw() {
            private int nextReference;

            @Override
            public int below(int bound) {
                return x.nextInt(bound);
            }

            @Override
            public DeviceId device() {
                return pick(devices);
            }

            @Override
            public GroupId group() {
                return pick(groups);
            }

            @Override
            public String driver() {
                return pick(List.of("e1000e", "vfio-pci", "pci-stub", "vfio-pci"));
            }

            @Override
            public Handle handle(HandleKind kind) {
                int reference = step.references()[Math.min(nextReference++, step.references().length - 1)];
                return resolve(created, reference, kind);
            }

            @Override
            public String label() {
                return "o" + step.id();
            }
        };
        return operations.get(step.operation()).generate(draw);
    }
}
