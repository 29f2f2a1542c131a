package dev.custody.sim;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.ObjectId;
import dev.custody.model.Topology;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Predicate;

/**
 * What a guided call may choose its arguments from: the state before the call, limited to the groups
 * the agents work on, and to the calling role's own objects (those whose label starts with the role's
 * name, as a process sees only its own fds). Where several targets fit, one whose group shape this
 * operation has not been tried on is preferred half the time: that is how the guided run branches
 * from the situations that are new rather than from the ones it has seen a thousand times.
 */
final class Pick {
    final KernelState state;
    final Random random;
    final String role;
    private final Topology workedOn;
    private final Coverage coverage;
    private String operation = "";

    Pick(KernelState state, Random random, String role, Topology workedOn, Coverage coverage) {
        this.state = state;
        this.random = random;
        this.role = role;
        this.workedOn = workedOn;
        this.coverage = coverage;
    }

    Pick forOperation(String op) {
        this.operation = op;
        return this;
    }

    String label(String what) {
        return role + "-" + what;
    }

    <T> Optional<T> one(List<T> candidates) {
        return candidates.isEmpty() ? Optional.empty() : Optional.of(candidates.get(random.nextInt(candidates.size())));
    }

    /** One of {@code candidates}, half the time among those on a group shape this operation has not met. */
    <T> Optional<T> novel(List<T> candidates, java.util.function.Function<T, Optional<GroupState>> groupOf) {
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        if (random.nextBoolean()) {
            List<T> unseen = new ArrayList<>();
            for (T candidate : candidates) {
                String shape = groupOf.apply(candidate)
                        .map(g -> StateShape.of(state, g))
                        .orElse(StateShape.NONE);
                if (!coverage.tried(operation, shape)) {
                    unseen.add(candidate);
                }
            }
            if (!unseen.isEmpty()) {
                return one(unseen);
            }
        }
        return one(candidates);
    }

    /** A device of the worked-on groups whose state passes {@code test}, novel shapes preferred. */
    Optional<DeviceId> device(Predicate<DeviceState> test) {
        List<DeviceId> found = new ArrayList<>();
        for (DeviceId id : workedOn.devices().keySet()) {
            if (test.test(state.device(id))) {
                found.add(id);
            }
        }
        return novel(found, this::groupOfDevice);
    }

    Optional<GroupState> groupOfDevice(DeviceId id) {
        Optional<GroupState> joined = state.groupOf(id);
        return joined.isPresent() ? joined : workedOn.device(id).group().flatMap(state::group);
    }

    DeviceId anyDevice() {
        List<DeviceId> all = List.copyOf(workedOn.devices().keySet());
        return all.get(random.nextInt(all.size()));
    }

    /** A live group of the worked-on ones passing {@code test}, novel shapes preferred. */
    Optional<GroupState> group(Predicate<GroupState> test) {
        List<GroupState> found = new ArrayList<>();
        for (DeviceId id : workedOn.devices().keySet()) {
            workedOn.device(id)
                    .group()
                    .flatMap(state::group)
                    .filter(test)
                    .filter(g -> !found.contains(g))
                    .ifPresent(found::add);
        }
        return novel(found, Optional::of);
    }

    GroupId anyGroupId() {
        return workedOn.device(anyDevice()).group().orElse(new GroupId(1));
    }

    /** This role's open files of one kind passing {@code test}. */
    <F extends OpenFile> List<F> mine(Class<F> kind, Predicate<F> test) {
        return state.filesOf(kind)
                .filter(f -> f.fdOpen() && f.label().startsWith(role + "-") && test.test(f))
                .toList();
    }

    <F extends OpenFile> Optional<F> myFile(Class<F> kind, Predicate<F> test) {
        return one(mine(kind, test));
    }

    /** An iommufd object of this role's contexts. */
    record Owned<O extends IommufdObject>(OpenFile.IommufdFile ctx, O object) {
        Handle handle() {
            return new Handle.IommufdObject(ctx.id(), object.id());
        }
    }

    <O extends IommufdObject> List<Owned<O>> myObjects(Class<O> kind, Predicate<O> test) {
        List<Owned<O>> found = new ArrayList<>();
        for (OpenFile.IommufdFile ctx : mine(OpenFile.IommufdFile.class, f -> true)) {
            for (IommufdObject object : ctx.objects().values()) {
                if (kind.isInstance(object) && test.test(kind.cast(object))) {
                    found.add(new Owned<>(ctx, kind.cast(object)));
                }
            }
        }
        return found;
    }

    /** This role's domains (allocated with its label) passing {@code test}. */
    List<DomainState> myDomains(Predicate<DomainState> test) {
        return state.domains().values().stream()
                .filter(d -> d.label().startsWith(role + "-") && test.test(d))
                .toList();
    }

    /**
     * A handle that is probably wrong for the call: a closed fd, any fd (of another kind, another
     * process), fd -1, any domain, a domain id that was freed, an object id no iommufd context holds.
     * An in-kernel caller ({@link #inKernel}) holds pointers, not numbers: it can only pass what it
     * had, so its wrong handles are freed domains and nothing at all, never another owner's domain.
     */
    Handle wrongHandle() {
        if (inKernel()) {
            return random.nextBoolean() ? freedDomain() : new Handle.Number(-1);
        }
        return switch (random.nextInt(6)) {
            case 0 ->
                one(state.files().values().stream().filter(f -> !f.fdOpen()).toList())
                        .<Handle>map(f -> new Handle.File(f.id()))
                        .orElse(new Handle.Number(-1));
            case 1 ->
                one(List.copyOf(state.files().keySet()))
                        .<Handle>map(Handle.File::new)
                        .orElse(new Handle.Number(-1));
            case 2 ->
                one(List.copyOf(state.domains().keySet()))
                        .<Handle>map(Handle.Domain::new)
                        .orElse(new Handle.Number(-1));
            case 3 -> freedDomain();
            // object ids of iommufd contexts only: an object handle naming another kind of fd makes the
            // rules throw (a ClassCastException in the IOAS lookup) instead of answering
            case 4 ->
                one(state.filesOf(OpenFile.IommufdFile.class).toList())
                        .<Handle>map(f -> new Handle.IommufdObject(f.id(), new ObjectId(1 + random.nextInt(8))))
                        .orElse(new Handle.Number(0));
            default -> new Handle.Number(-1);
        };
    }

    /** The in-kernel roles: they call with domain pointers they were given, never with fds. */
    boolean inKernel() {
        return role.equals("shared-domain") || role.equals("kernel-user");
    }

    /** A domain id the host no longer has (a pointer kept after iommu_domain_free), else fd -1. */
    private Handle freedDomain() {
        for (int attempt = 0; attempt < 8; attempt++) {
            DomainId id = new DomainId(1 + random.nextInt(Math.max(1, state.nextDomain())));
            if (!state.domains().containsKey(id)) {
                return new Handle.Domain(id);
            }
        }
        return new Handle.Number(-1);
    }

    static Handle file(OpenFile file) {
        return new Handle.File(file.id());
    }

    static Handle file(FileId file) {
        return new Handle.File(file);
    }

    static Handle object(FileId ctx, ObjectId id) {
        return new Handle.IommufdObject(ctx, id);
    }

    /** A 2 MiB-aligned IOVA above 4 GiB and below 2^39: inside every IOMMU's aperture, clear of MSI windows. */
    long iova() {
        return 0x1_0000_0000L + 0x20_0000L * random.nextInt(64);
    }

    /** 4 KiB to 2 MiB, a power of two: a size every page-size bitmap of the host can map. */
    long size() {
        return 0x1000L << random.nextInt(10);
    }

    /** A size or address no page size divides. */
    long misaligned() {
        return 0x1000L * random.nextInt(16) + 0x123;
    }
}
