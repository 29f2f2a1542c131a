package dev.custody.rules;

import static dev.custody.rules.Results.fail;

import dev.custody.model.Command;
import dev.custody.model.Command.*;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DomainId;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.Outcome;
import dev.custody.model.OwnerId;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.mapping.Prot;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The pure model's entry point: {@code (state, command) -> decision}. Deterministic, no I/O, no
 * clocks; the actors, the simulator and replay all decide through here.
 */
public final class Kernel {
    private Kernel() {}

    public static Decision decide(KernelState state, Command command) {
        return decide(state, command, java.util.Set.of());
    }

    /** As {@link #decide(KernelState, Command)}, with deliberately wrong rules switched on (see {@link Mutant}). */
    public static Decision decide(KernelState state, Command command, java.util.Set<Mutant> mutants) {
        Tx tx = new Tx(state, mutants);
        Outcome<Reply> outcome = dispatch(tx, command);
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
                Outcome<Reply> bound = DriverCore.bootBind(tx, device.id(), device.bootDriver().get());
                if (!bound.isOk()) {
                    return new Decision(tx.events(), Outcome.fail(Errno.EINVAL, "boot: " + device.id() + " could not bind "
                            + device.bootDriver().get() + ": " + bound.resultName() + " "
                            + bound.explanation().orElse("")), tx.state());
                }
            }
        }
        return new Decision(tx.events(), Results.OK, tx.state());
    }

    private static Outcome<Reply> dispatch(Tx tx, Command command) {
        return switch (command) {
            case DeviceAdd c -> DriverCore.add(tx, c.device());
            case DeviceRemove c -> DriverCore.remove(tx, c.device());
            case DriverBind c -> DriverCore.bind(tx, c.device(), c.driver());
            case DriverUnbind c -> DriverCore.unbind(tx, c.device());
            case DriverOverride c -> DriverCore.override(tx, c.device(), c.driver());
            case DriverProbe c -> DriverCore.probe(tx, c.device());
            case FailNextProbe c -> DriverCore.failNextProbe(tx, c.device(), c.errno());

            case UseDefaultDomain c -> GroupRules.useDefaultDomain(tx, c.device());
            case UnuseDefaultDomain c -> GroupRules.unuseDefaultDomain(tx, c.device());
            case GroupClaim c -> withGroup(tx, c.group(),
                    g -> GroupRules.claimGroup(tx, g, c.owner().map(OwnerId::kernelCaller)));
            case GroupRelease c -> withGroup(tx, c.group(), g -> GroupRules.releaseGroup(tx, g));
            case DeviceClaim c -> GroupRules.claimDevice(tx, c.device(), c.owner().map(OwnerId::kernelCaller));
            case DeviceRelease c -> GroupRules.releaseDevice(tx, c.device());
            case DomainAlloc c -> DomainRules.allocate(tx, c.device(), c.label());
            case DomainFree c -> withDomain(tx, c.domain(), d -> DomainRules.free(tx, d));
            case AttachDevice c -> withDomain(tx, c.domain(), d -> DomainRules.attachDevice(tx, d, c.device()));
            case DetachDevice c -> withDomain(tx, c.domain(), d -> DomainRules.detachDevice(tx, d, c.device()));
            case AttachGroup c -> withGroupAndDomain(tx, c.group(), c.domain(), (g, d) -> DomainRules.attachGroupOp(tx, d, g));
            case DetachGroup c -> withGroup(tx, c.group(), g -> DomainRules.detachGroupOp(tx, g));
            case ReplaceDomain c -> withGroup(tx, c.group(), g -> c.domain().isEmpty()
                    ? DomainRules.replace(tx, g, Optional.empty())
                    : withDomain(tx, c.domain().get(), d -> DomainRules.replace(tx, g, Optional.of(d))));
            case AttachShared c -> withDomain(tx, c.domain(), d -> SharedAttachRules.attach(tx, d, c.device()));
            case DetachShared c -> withDomain(tx, c.domain(), d -> SharedAttachRules.detach(tx, d, c.device()));

            case ContainerOpen c -> VfioContainerRules.open(tx, c.label());
            case ContainerSetIommu c -> VfioContainerRules.setIommu(tx, c.fd(), c.type());
            case GroupOpen c -> VfioGroupRules.open(tx, c.group(), c.label());
            case GroupStatus c -> VfioGroupRules.status(tx, c.fd());
            case SetContainer c -> VfioGroupRules.setContainer(tx, c.fd(), c.container());
            case UnsetContainer c -> VfioGroupRules.unsetContainer(tx, c.fd());
            case GetDeviceFd c -> VfioGroupRules.getDeviceFd(tx, c.fd(), c.device(), c.label());
            case Close c -> FileLifecycle.close(tx, c.fd());

            case IommufdOpen c -> IommufdRules.open(tx, c.label());
            case CdevOpen c -> CdevRules.open(tx, c.device(), c.label());
            case CdevBind c -> CdevRules.bind(tx, c.fd(), c.iommufd());
            case CdevAttach c -> CdevRules.attach(tx, c.fd(), c.pt(), c.label());
            case CdevDetach c -> CdevRules.detach(tx, c.fd());
            case IoasAlloc c -> IommufdRules.allocateIoas(tx, c.iommufd(), c.label());
            case HwptAlloc c -> IommufdRules.allocateHwpt(tx, c.iommufd(), c.device(), c.pt(), c.label());
            case Destroy c -> IommufdRules.destroy(tx, c.iommufd(), c.id());

            case IommuMap c -> withDomain(tx, c.domain(), d -> MappingRules.iommuMap(tx, d, c.iova(), c.paddr(), c.size(),
                    new Prot(c.read(), c.write())));
            case IommuUnmap c -> withDomain(tx, c.domain(), d -> MappingRules.iommuUnmap(tx, d, c.iova(), c.size()));
            case IovaToPhys c -> withDomain(tx, c.domain(), d -> MappingRules.iovaToPhys(tx, d, c.iova()));
            case Type1MapDma c -> MappingRules.type1Map(tx, c.container(), c.iova(), c.vaddr(), c.size(), c.flags());
            case Type1UnmapDma c -> MappingRules.type1Unmap(tx, c.container(), c.iova(), c.size(), c.all());
            case IoasMap c -> MappingRules.ioasMap(tx, c.ioas(), c.iova(), c.length(), c.flags());
            case IoasUnmap c -> MappingRules.ioasUnmap(tx, c.ioas(), c.iova(), c.length());
            case IoasIovaRanges c -> MappingRules.iovaRanges(tx, c.ioas(), c.capacity());
            case IoasAllowIovas c -> MappingRules.allowIovas(tx, c.ioas(), c.ranges());

            case SysfsGroupType c -> SysfsRules.storeType(tx, c.group(), c.value(), c.capabilities());
            case QueryGroup c -> SysfsRules.view(tx.state(), c.group());
        };
    }

    /** A group argument names a group that exists only while it has devices. */
    private static Outcome<Reply> withGroup(Tx tx, GroupId id, Function<GroupState, Outcome<Reply>> operation) {
        return tx.state().group(id).map(operation)
                .orElseGet(() -> fail(Errno.ENODEV, "group " + id + " has no devices"));
    }

    private static Outcome<Reply> withGroupAndDomain(Tx tx, GroupId group, Handle domain,
                                                     BiFunction<GroupState, DomainId, Outcome<Reply>> operation) {
        return withGroup(tx, group, g -> withDomain(tx, domain, d -> operation.apply(g, d)));
    }

    /** A domain argument: a domain, or an iommufd HWPT standing for its domain. */
    private static Outcome<Reply> withDomain(Tx tx, Handle handle, Function<DomainId, Outcome<Reply>> operation) {
        return domainOf(tx.state(), handle).map(operation).orElseGet(() -> fail(Errno.ENOENT, "no such domain (" + describe(tx, handle) + ")"));
    }

    /** The domain a domain argument names: a domain that exists, or the domain of an iommufd HWPT. */
    public static Optional<DomainId> domainOf(KernelState state, Handle handle) {
        return switch (handle) {
            case Handle.Domain d -> Optional.of(d.id()).filter(state.domains()::containsKey);
            case Handle.IommufdObject o -> state.file(o.iommufd())
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
