package dev.custody.rules;

import dev.custody.invariants.Invariants;
import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
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

    /** In-kernel API templates (claims, attach, map...): a caller can break the I invariants with them. */
    private static final Set<Integer> IN_KERNEL_CALLS = Set.of(7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 39, 40, 46, 47);

    private final boolean inKernelCalls;

    /** {@code inKernelCalls}: also make raw in-kernel API calls, which may break caller contracts. */
    public RandomWalk(Topology topology, boolean inKernelCalls) {
        this.topology = topology;
        this.inKernelCalls = inKernelCalls;
        this.devices = List.copyOf(topology.devices().keySet());
        this.groups = topology.devices().values().stream().flatMap(d -> d.group().stream()).distinct().toList();
    }

    /**
     * Why a step broke the property, or empty when it held. {@code callerBroke}: an earlier step left
     * a caller contract (spec 7 "I") broken, after which the kernel promises nothing more.
     */
    interface Property {
        Optional<String> check(KernelState before, Command command, Decision decision, boolean callerBroke);
    }

    /**
     * One generated step: its id, which template, the seed of its plain arguments, and its
     * references. A reference k means "the k-th newest object of the kind this template wants" (or,
     * for a negative k, of any kind), resolved at replay, so a shrunk walk still finds its objects.
     */
    record Step(int id, int template, long argumentSeed, int[] references) {}

    /** The kinds of object a template's handle arguments want. */
    enum Kind { ANY, GROUP_FILE, CONTAINER, DEVICE_FILE, IOMMUFD, CDEV, DOMAIN, IOAS, HWPT, PT }

    record Failure(long seed, List<Command> commands, String why) {
        String report() {
            StringBuilder text = new StringBuilder("seed " + seed + ": " + why + "\nminimal sequence ("
                    + commands.size() + " commands):\n");
            for (int i = 0; i < commands.size(); i++) {
                text.append("  ").append(i + 1).append(". ").append(commands.get(i)).append('\n');
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
    public List<Command> commands(long seed, int steps) {
        return replay(generate(seed, steps), (b, c, d, broke) -> Optional.empty()).commands();
    }

    private record Replay(List<Command> commands, Optional<String> failure) {}

    private Replay replay(List<Step> steps, Property property) {
        KernelState state = Kernel.boot(topology).state();
        List<Typed> created = new ArrayList<>();
        List<Command> commands = new ArrayList<>();
        boolean callerBroke = false;
        for (Step step : steps) {
            Command command = command(step, created);
            commands.add(command);
            Decision decision = Kernel.decide(state, command);
            callerBroke |= Invariants.check(state).stream().anyMatch(v -> v.kind() == Violation.Kind.CALLER);
            Optional<String> broken = property.check(state, command, decision, callerBroke);
            if (broken.isPresent()) {
                return new Replay(commands, Optional.of("step " + commands.size() + " " + command + ": " + broken.get()));
            }
            if (decision.outcome() instanceof Outcome.Ok<Reply> ok) {
                switch (ok.value()) {
                    case Reply.Created c -> created.add(new Typed(c.handle(), kindOf(decision.state(), c.handle())));
                    case Reply.Attached a -> created.add(new Typed(a.hwpt(), Kind.HWPT));
                    default -> { }
                }
            }
            state = decision.state();
        }
        return new Replay(commands, Optional.empty());
    }

    private record Typed(Handle handle, Kind kind) {}

    private static Kind kindOf(KernelState state, Handle handle) {
        return switch (handle) {
            case Handle.Domain d -> Kind.DOMAIN;
            case Handle.File f -> switch (state.file(f.id()).orElseThrow()) {
                case OpenFile.VfioGroupFile g -> Kind.GROUP_FILE;
                case OpenFile.VfioContainer c -> Kind.CONTAINER;
                case OpenFile.VfioDeviceFile d -> Kind.DEVICE_FILE;
                case OpenFile.IommufdFile i -> Kind.IOMMUFD;
                case OpenFile.CdevFile c -> Kind.CDEV;
            };
            case Handle.IommufdObject o -> state.file(o.iommufd())
                    .map(f -> ((OpenFile.IommufdFile) f).objects().get(o.id()) instanceof IommufdObject.Ioas ? Kind.IOAS : Kind.HWPT)
                    .orElse(Kind.ANY);
            default -> Kind.ANY;
        };
    }

    /** The k-th newest created object of the kind (any kind for a negative k); fd -1 when there is none. */
    private static Handle resolve(List<Typed> created, int reference, Kind wanted) {
        List<Typed> candidates = created.stream().filter(t -> reference < 0 || wanted == Kind.ANY || t.kind() == wanted
                || (wanted == Kind.PT && (t.kind() == Kind.IOAS || t.kind() == Kind.HWPT))
                || (wanted == Kind.DOMAIN && t.kind() == Kind.HWPT)).toList();
        if (candidates.isEmpty()) {
            return new Handle.Number(-1);
        }
        int k = Math.floorMod(reference < 0 ? -reference : reference, Math.min(candidates.size(), 4));
        return candidates.get(candidates.size() - 1 - k).handle();
    }

    /** Truncate after the failing step, then drop single steps while the property still fails. */
    private List<Step> shrink(List<Step> steps, Property property) {
        List<Step> current = new ArrayList<>(steps.subList(0, replay(steps, property).commands().size()));
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
            int template = random.nextInt(TEMPLATES);
            while (!inKernelCalls && IN_KERNEL_CALLS.contains(template)) {
                template = random.nextInt(TEMPLATES);
            }
            steps.add(new Step(id, template, random.nextLong(), references));
        }
        return steps;
    }

    private static final int TEMPLATES = 48;

    /** The kinds each template's h, h2, h3 want (templates not listed take any). */
    private static Kind[] kinds(int template) {
        return switch (template) {
            case 12, 13, 14, 15, 16, 17, 18, 19, 39, 40 -> new Kind[] {Kind.DOMAIN, Kind.ANY, Kind.ANY};
            case 21, 41, 42 -> new Kind[] {Kind.CONTAINER, Kind.ANY, Kind.ANY};
            case 23, 26, 27, 28 -> new Kind[] {Kind.GROUP_FILE, Kind.ANY, Kind.ANY};
            case 24 -> new Kind[] {Kind.GROUP_FILE, Kind.CONTAINER, Kind.ANY};
            case 25 -> new Kind[] {Kind.GROUP_FILE, Kind.IOMMUFD, Kind.ANY};
            case 32, 33 -> new Kind[] {Kind.CDEV, Kind.IOMMUFD, Kind.ANY};
            case 34 -> new Kind[] {Kind.CDEV, Kind.PT, Kind.ANY};
            case 35 -> new Kind[] {Kind.CDEV, Kind.ANY, Kind.ANY};
            case 36 -> new Kind[] {Kind.IOMMUFD, Kind.ANY, Kind.ANY};
            case 37 -> new Kind[] {Kind.IOMMUFD, Kind.CDEV, Kind.IOAS};
            case 38 -> new Kind[] {Kind.IOMMUFD, Kind.PT, Kind.ANY};
            case 43, 44 -> new Kind[] {Kind.IOAS, Kind.ANY, Kind.ANY};
            default -> new Kind[] {Kind.ANY, Kind.ANY, Kind.ANY};
        };
    }

    private Command command(Step step, List<Typed> created) {
        Random x = new Random(step.argumentSeed());
        DeviceId d = pick(x, devices);
        GroupId g = pick(x, groups);
        Kind[] kinds = kinds(step.template());
        Handle h = resolve(created, step.references()[0], kinds[0]);
        Handle h2 = resolve(created, step.references()[1], kinds[1]);
        Handle h3 = resolve(created, step.references()[2], kinds[2]);
        String label = "o" + step.id();
        return switch (step.template()) {
            case 0 -> new Command.DriverBind(d, pick(x, List.of("e1000e", "vfio-pci", "pci-stub", "vfio-pci")));
            case 1 -> new Command.DriverUnbind(d);
            case 2 -> new Command.DriverProbe(d);
            case 3 -> new Command.DriverOverride(d, x.nextBoolean() ? Optional.of("vfio-pci") : Optional.empty());
            case 4 -> new Command.FailNextProbe(d, Errno.ENODEV);
            case 5 -> new Command.DeviceAdd(d);
            case 6 -> new Command.DeviceRemove(d);
            case 7 -> new Command.GroupClaim(g, Optional.of(pick(x, List.of("k1", "k2"))));
            case 8 -> new Command.GroupRelease(g);
            case 9 -> new Command.DeviceClaim(d, Optional.of(pick(x, List.of("k1", "k2"))));
            case 10 -> new Command.DeviceRelease(d);
            case 11 -> new Command.DomainAlloc(d, label);
            case 12 -> new Command.AttachDevice(h, d);
            case 13 -> new Command.DetachDevice(h, d);
            case 14 -> new Command.AttachGroup(h, g);
            case 15 -> new Command.DetachGroup(h, g);
            case 16 -> new Command.ReplaceDomain(g, Optional.of(h));
            case 17 -> new Command.AttachShared(h, d);
            case 18 -> new Command.DetachShared(h, d);
            case 19 -> new Command.DomainFree(h);
            case 20 -> new Command.ContainerOpen(label);
            case 21 -> new Command.ContainerSetIommu(h, x.nextBoolean() ? "type1v2" : "type1");
            case 22 -> new Command.GroupOpen(g, label);
            case 23 -> new Command.GroupStatus(h);
            case 24, 25 -> new Command.SetContainer(h, h2);
            case 26 -> new Command.UnsetContainer(h);
            case 27, 28 -> new Command.GetDeviceFd(h, d, label);
            case 29 -> new Command.Close(h);
            case 30 -> new Command.IommufdOpen(label);
            case 31 -> new Command.CdevOpen(d, label);
            case 32, 33 -> new Command.CdevBind(h, h2);
            case 34 -> new Command.CdevAttach(h, h2, Optional.of(label));
            case 35 -> new Command.CdevDetach(h);
            case 36 -> new Command.IoasAlloc(h, label);
            case 37 -> new Command.HwptAlloc(h, h2, h3, label);
            case 38 -> new Command.Destroy(h, h2);
            case 39 -> new Command.IommuMap(h, 0x200000L * x.nextInt(8), 0x200000L * x.nextInt(8), 0x1000L << x.nextInt(12), true, true);
            case 40 -> new Command.IommuUnmap(h, 0x200000L * x.nextInt(8), 0x1000L << x.nextInt(12));
            case 41 -> new Command.Type1MapDma(h, 0x1000L * x.nextInt(64), 0x1000L * x.nextInt(64), 0x1000L * (1 + x.nextInt(4)),
                    Set.of("READ", "WRITE"));
            case 42 -> new Command.Type1UnmapDma(h, 0x1000L * x.nextInt(64), 0x1000L * (1 + x.nextInt(8)), false);
            case 43 -> new Command.IoasMap(h, x.nextBoolean() ? OptionalLong.empty() : OptionalLong.of(0x1000L * x.nextInt(64)),
                    0x1000L * (1 + x.nextInt(4)), Set.of("READABLE", "WRITEABLE"));
            case 44 -> new Command.IoasUnmap(h, 0x1000L * x.nextInt(64), 0x1000L * (1 + x.nextInt(8)));
            case 45 -> new Command.SysfsGroupType(g, pick(x, List.of("identity", "DMA", "DMA-FQ", "auto")),
                    Set.of("SYS_ADMIN", "SYS_RAWIO"));
            case 46 -> new Command.UseDefaultDomain(d);
            case 47 -> new Command.UnuseDefaultDomain(d);
            default -> throw new IllegalStateException("template " + step.template());
        };
    }

    private static <T> T pick(Random random, List<T> from) {
        return from.get(random.nextInt(from.size()));
    }
}
