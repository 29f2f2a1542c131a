package dev.custody.rules;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.custody.invariants.Invariants;
import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Outcome;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Thousands of random kernel calls (fixed seeds, so any failure reproduces) must never break a
 * kernel invariant, never change a group when refused with an errno, and decide the same way twice.
 */
public class ModelRandomWalkTest {
    private static final long[] SEEDS = {
        1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946
    };
    private static final int STEPS = 400;

    public static Topology topology() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        iommus.put("dmar1", new IommuSpec("dmar1", IommuSpec.SIZE_4K | IommuSpec.SIZE_2M, 39));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        device(devices, "0000:00:03.0", "dmar0", 1, List.of("e1000e"), false, true);
        device(devices, "0000:00:03.1", "dmar0", 1, List.of(), false, true);
        device(devices, "0000:00:03.2", "dmar0", 1, List.of("e1000e"), false, false);
        device(devices, "0000:00:05.0", "dmar0", 2, List.of("nvme"), false, true);
        device(devices, "0000:00:06.0", "dmar0", 3, List.of(), true, true);
        device(devices, "0000:01:00.0", "dmar1", 4, List.of("vfio-pci"), false, true);
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }

    private static void device(
            SequencedMap<DeviceId, DeviceSpec> devices,
            String name,
            String iommu,
            int group,
            List<String> matches,
            boolean requireDirect,
            boolean present) {
        DeviceId id = new DeviceId(name);
        devices.put(
                id,
                new DeviceSpec(
                        id,
                        Optional.of(iommu),
                        Optional.of(new GroupId(group)),
                        matches,
                        requireDirect,
                        present,
                        Optional.empty()));
    }

    /** The property every step must keep. */
    static Optional<String> holds(KernelState before, Command<?> command, Decision decision, boolean callerBroke) {
        // after a caller broke a contract (a CALLER invariant), the kernel promises nothing more
        List<Violation> kernel = callerBroke
                ? List.of()
                : Invariants.checkStep(before, decision.state(), decision.outcome()).stream()
                        .filter(v -> v.kind() == Violation.Kind.KERNEL)
                        .toList();
        if (!kernel.isEmpty()) {
            return Optional.of("invariants broken: " + kernel);
        }
        if (decision.outcome() instanceof Outcome.Failed<?>
                && !ownership(decision.state()).equals(ownership(before))) {
            return Optional.of("refused with " + decision.outcome().resultName() + " but changed a group's ownership");
        }
        if (!Operations.decide(before, command).equals(decision)) {
            return Optional.of("the same command on the same state decided differently");
        }
        if (!before.applyAll(decision.events()).equals(decision.state())) {
            return Optional.of("the events do not lead to the decided state");
        }
        return Optional.empty();
    }

    /**
     * What a refused call must leave alone: owner, claims, domain and members. The blocking domain
     * is not in it: a claim refused by require_direct keeps the blocking domain it allocated (G11).
     */
    private static List<String> ownership(KernelState state) {
        return state.groups().values().stream()
                .map(g -> g.id() + ":" + g.owner() + ":" + g.claims() + ":" + g.domain() + ":" + g.devices())
                .toList();
    }

    @Test
    void randomWalksKeepEveryKernelInvariant() {
        RandomWalk walk = new RandomWalk(topology(), true);
        for (long seed : SEEDS) {
            walk.run(seed, STEPS, ModelRandomWalkTest::holds).ifPresent(failure -> fail(failure.report()));
        }
    }

    /** Without raw in-kernel calls nobody can break a caller contract, so every invariant must hold. */
    @Test
    void userspaceAndDriverCoreWalksKeepEveryInvariant() {
        RandomWalk walk = new RandomWalk(topology(), false);
        RandomWalk.Property everything = (before, command, decision, callerBroke) -> {
            List<Violation> all = Invariants.checkStep(before, decision.state(), decision.outcome());
            return all.isEmpty() ? holds(before, command, decision, false) : Optional.of("invariants broken: " + all);
        };
        for (long seed : SEEDS) {
            walk.run(seed, STEPS, everything).ifPresent(failure -> fail(failure.report()));
        }
    }

    /**
     * The deepest results (a HWPT allocated for a bound cdev) need a chain of rare draws, so reach is
     * measured over more walks than the invariants are: with a few seeds, which of them a walk meets
     * depends on how many operations the catalogue has, and a new one reshuffles every draw.
     */
    private static final long[] REACH_SEEDS =
            java.util.stream.LongStream.rangeClosed(1, 60).toArray();

    @Test
    void walksReachDeepIntoTheRules() {
        java.util.Map<String, Long> results = new java.util.TreeMap<>();
        for (boolean inKernelCalls : new boolean[] {true, false}) {
            RandomWalk walk = new RandomWalk(topology(), inKernelCalls);
            for (long seed : REACH_SEEDS) {
                KernelState state = Kernel.boot(topology()).state();
                for (Command<?> command : walk.commands(seed, STEPS * 3)) {
                    Decision decision = Operations.decide(state, command);
                    results.merge(
                            command.getClass().getSimpleName() + "="
                                    + decision.outcome().resultName(),
                            1L,
                            Long::sum);
                    state = decision.state();
                }
            }
        }
        List<String> deep = List.of(
                "SetContainer=ok",
                "ContainerSetIommu=ok",
                "GetDeviceFd=ok",
                "CdevBind=ok",
                "CdevAttach=ok",
                "HwptAlloc=ok",
                "IoasMap=ok",
                "Type1MapDma=ok",
                "IommuMap=ok",
                "AttachDevice=ok",
                "DriverUnbind=PENDING",
                "UnsetContainer=ok",
                "GroupOpen=EBUSY",
                "CdevBind=EPERM");
        List<String> unreached =
                deep.stream().filter(k -> !results.containsKey(k)).toList();
        assertTrue(
                unreached.isEmpty(),
                "the walk never reached " + unreached + "; it saw: "
                        + results.keySet().stream().collect(Collectors.joining(", ")));
    }

    @Test
    void shrinkingFindsAShortSequence() {
        RandomWalk walk = new RandomWalk(topology(), true);
        RandomWalk.Property noVfioOwner =
                (before, command, decision, callerBroke) -> decision.state().groups().values().stream()
                                .anyMatch(g -> g.owner()
                                        .map(o -> o.key().startsWith("vfio-group:"))
                                        .orElse(false))
                        ? Optional.of("a VFIO group file owns a group")
                        : Optional.empty();
        RandomWalk.Failure failure = null;
        for (long seed : SEEDS) {
            failure = walk.run(seed, STEPS, noVfioOwner).orElse(null);
            if (failure != null) {
                break;
            }
        }
        assertTrue(failure != null, "no seed ever let VFIO own a group");
        // bind vfio-pci (or re-add a device that autoprobes it), open the group and a container, set it
        assertTrue(failure.commands().size() <= 5, failure.report());
        assertTrue(failure.commands().getLast() instanceof Command.SetContainer, failure.report());
    }

    /**
     * Checking only what a decision touched finds exactly what checking everything finds: nothing
     * the full check does not report, and every violation the step caused (violations already there
     * before, about objects the step left alone, are the only ones it may leave out).
     */
    @Test
    void incrementalCheckingFindsWhatFullCheckingFinds() {
        for (boolean inKernelCalls : new boolean[] {true, false}) {
            RandomWalk walk = new RandomWalk(topology(), inKernelCalls);
            RandomWalk.Property agree = (before, command, decision, callerBroke) -> {
                java.util.Set<String> full = keys(Invariants.checkStep(before, decision.state(), decision.outcome()));
                java.util.Set<String> incremental = keys(Invariants.checkStepIncrementally(
                        before, decision.state(), decision.outcome(), decision.events()));
                java.util.Set<String> caused = new java.util.TreeSet<>(full);
                caused.removeAll(keys(Invariants.check(before)));
                if (!full.containsAll(incremental)) {
                    return Optional.of("incremental reports what full does not: " + incremental + " vs " + full);
                }
                if (!incremental.containsAll(caused)) {
                    return Optional.of(
                            "incremental misses violations the step caused: " + caused + " vs " + incremental);
                }
                return Optional.empty();
            };
            for (long seed : SEEDS) {
                walk.run(seed, STEPS, agree).ifPresent(failure -> fail(failure.report()));
            }
        }
    }

    private static java.util.Set<String> keys(List<Violation> violations) {
        return violations.stream()
                .map(v -> v.invariant() + v.objects())
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
