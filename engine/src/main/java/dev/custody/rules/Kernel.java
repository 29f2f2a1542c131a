package dev.custody.rules;

import static dev.custody.rules.Results.fail;

import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The pure model's entry points: the machine after boot, and {@code (state, command, rule) -> decision}
 * with the rule the operation catalogue names for the command. Deterministic, no I/O, no clocks; the
 * actors, the simulator and replay all decide through here.
 */
public final class Kernel {
    private Kernel() {}

    /**
     * How one command is decided: which rule of which kernel object it calls with which arguments.
     * The operation catalogue gives one per operation; the rules themselves know nothing of it.
     */
    @FunctionalInterface
    public interface Rule<C> {
        Outcome<Reply> decide(Tx tx, C command);
    }

    /** Decides {@code command} with {@code rule} from {@code state}, with deliberately wrong rules on (see {@link Mutant}). */
    public static <C> Decision decide(
            KernelState state, C command, Rule<? super C> rule, java.util.Set<Mutant> mutants) {
        Tx tx = new Tx(state, mutants);
        Outcome<Reply> outcome = rule.decide(tx, command);
        return new Decision(tx.events(), outcome, tx.state());
    }

    /**
     * The machine after boot: present devices join their groups in topology order, then the boot
     * drivers bind. Id-table matches are not probed at boot: a scenario starts from what it states.
     */
    public static Decision boot(Topology topology) {
        Tx tx = new Tx(KernelState.empty(topology));
        for (DeviceSpec device : topology.devices().values()) {
            if (device.present()) {
                DriverCore.bootAdd(tx, device.id());
            }
        }
        for (DeviceSpec device : topology.devices().values()) {
            if (device.bootDriver().isPresent()) {
                Outcome<Reply> bound =
                        DriverCore.bootBind(tx, device.id(), device.bootDriver().get());
                if (!bound.isOk()) {
                    return new Decision(
                            tx.events(),
                            Outcome.fail(
                                    Errno.EINVAL,
                                    "boot: " + device.id() + " could not bind "
                                            + device.bootDriver().get() + ": " + bound.resultName() + " "
                                            + bound.explanation().orElse("")),
                            tx.state());
                }
            }
        }
        return new Decision(tx.events(), Results.OK, tx.state());
    }

    /** A group argument names a group that exists only while it has devices. */
    public static Outcome<Reply> withGroup(Tx tx, GroupId id, Function<GroupState, Outcome<Reply>> operation) {
        return tx.state()
                .group(id)
                .map(operation)
                .orElseGet(() -> fail(Errno.ENODEV, "group " + id + " has no devices"));
    }

    public static Outcome<Reply> withGroupAndDomain(
            Tx tx, GroupId group, Handle domain, BiFunction<GroupState, DomainId, Outcome<Reply>> operation) {
        return withGroup(tx, group, g -> withDomain(tx, domain, d -> operation.apply(g, d)));
    }

    /** A domain argument: a domain, or an iommufd HWPT standing for its domain. */
    public static Outcome<Reply> withDomain(Tx tx, Handle handle, Function<DomainId, Outcome<Reply>> operation) {
        return domainOf(tx.state(), handle)
                .map(operation)
                .orElseGet(() -> fail(Errno.ENOENT, "no such domain (" + describe(tx, handle) + ")"));
    }

    /** The domain a domain argument names: a domain that exists, or the domain of an iommufd HWPT. */
    public static Optional<DomainId> domainOf(KernelState state, Handle handle) {
        return switch (handle) {
            case Handle.Domain d -> Optional.of(d.id()).filter(state.domains()::containsKey);
            case Handle.IommufdObject o ->
                state.file(o.iommufd())
                        .filter(f -> f instanceof OpenFile.IommufdFile)
                        .map(f -> ((OpenFile.IommufdFile) f).objects().get(o.id()))
                        .filter(obj -> obj instanceof IommufdObject.Hwpt)
                        .map(obj -> ((IommufdObject.Hwpt) obj).domain());
            default -> Optional.empty();
        };
    }

    private static String describe(Tx tx, Handle handle) {
        return Fd.describe(tx.state(), handle);
    }

    /** Convenience for tests and embedders: one device id by name. */
    public static DeviceId device(String name) {
        return new DeviceId(name);
    }
}
