package dev.custody.ops;

import static dev.custody.ops.Arg.optional;
import static dev.custody.ops.Arg.required;
import static dev.custody.ops.ArgKind.DEVICE;
import static dev.custody.ops.ArgKind.GROUP;
import static dev.custody.ops.ArgKind.NULLABLE_REF;
import static dev.custody.ops.ArgKind.NULLABLE_TEXT;
import static dev.custody.ops.ArgKind.NUMBER;
import static dev.custody.ops.ArgKind.PROT;
import static dev.custody.ops.ArgKind.REF;
import static dev.custody.ops.Caller.IN_KERNEL;
import static dev.custody.rules.Kernel.withDomain;
import static dev.custody.rules.Kernel.withGroup;

import dev.custody.model.Command.AttachDevice;
import dev.custody.model.Command.AttachGroup;
import dev.custody.model.Command.AttachShared;
import dev.custody.model.Command.DetachDevice;
import dev.custody.model.Command.DetachGroup;
import dev.custody.model.Command.DetachShared;
import dev.custody.model.Command.DeviceClaim;
import dev.custody.model.Command.DeviceRelease;
import dev.custody.model.Command.DomainAlloc;
import dev.custody.model.Command.DomainFree;
import dev.custody.model.Command.GroupClaim;
import dev.custody.model.Command.GroupRelease;
import dev.custody.model.Command.IommuMap;
import dev.custody.model.Command.IommuUnmap;
import dev.custody.model.Command.IovaToPhys;
import dev.custody.model.Command.ReplaceDomain;
import dev.custody.model.Command.UnuseDefaultDomain;
import dev.custody.model.Command.UseDefaultDomain;
import dev.custody.model.Handle;
import dev.custody.model.OwnerId;
import dev.custody.model.Reply;
import dev.custody.model.mapping.Prot;
import dev.custody.rules.DomainRules;
import dev.custody.rules.GroupRules;
import dev.custody.rules.Kernel;
import dev.custody.rules.MappingRules;
import dev.custody.rules.SharedAttachRules;
import java.util.List;
import java.util.Optional;

/**
 * The IOMMU core as kernel code calls it: default-domain use, DMA ownership claims, domains and
 * their attachment, and iommu_map/iommu_unmap on a caller's own domain. No process can make these
 * calls; in the oracle's VM the test module makes them for the agent ({@link KernelCall}).
 */
final class IommuOperations {
    private IommuOperations() {}

    static final List<Operation<?>> ALL = List.of(
            Operation.define("iommu.use_default_domain", IN_KERNEL, UseDefaultDomain.class, Reply.None.class)
                    .args(required("device", DEVICE))
                    .rule((tx, c) -> GroupRules.useDefaultDomain(tx, c.device()))
                    .read(s -> new UseDefaultDomain(s.device("device")))
                    .write((c, w) -> w.device("device", c.device()))
                    .agent((c, a) -> KernelCall.of("use-default-domain")
                            .device(a, c.device())
                            .line())
                    .generate(d -> new UseDefaultDomain(d.device()))
                    .build(),
            Operation.define("iommu.unuse_default_domain", IN_KERNEL, UnuseDefaultDomain.class, Reply.None.class)
                    .args(required("device", DEVICE))
                    .rule((tx, c) -> GroupRules.unuseDefaultDomain(tx, c.device()))
                    .read(s -> new UnuseDefaultDomain(s.device("device")))
                    .write((c, w) -> w.device("device", c.device()))
                    .agent((c, a) -> KernelCall.of("unuse-default-domain")
                            .device(a, c.device())
                            .line())
                    .generate(d -> new UnuseDefaultDomain(d.device()))
                    .build(),
            Operation.define("iommu.group_claim", IN_KERNEL, GroupClaim.class, Reply.None.class)
                    .args(required("group", GROUP), required("owner", NULLABLE_TEXT))
                    .rule((tx, c) -> withGroup(
                            tx,
                            c.group(),
                            g -> GroupRules.claimGroup(tx, g, c.owner().map(OwnerId::kernelCaller))))
                    .read(s -> new GroupClaim(s.group("group"), s.nullableText("owner")))
                    .write((c, w) -> w.group("group", c.group()).nullableText("owner", c.owner()))
                    .agent((c, a) -> KernelCall.of("group-claim")
                            .group(a, c.group())
                            .owner(a, c.owner())
                            .line())
                    .generate(d -> new GroupClaim(d.group(), Optional.of(d.pick(List.of("k1", "k2")))))
                    .build(),
            Operation.define("iommu.group_release", IN_KERNEL, GroupRelease.class, Reply.None.class)
                    .args(required("group", GROUP))
                    .rule((tx, c) -> withGroup(tx, c.group(), g -> GroupRules.releaseGroup(tx, g)))
                    .read(s -> new GroupRelease(s.group("group")))
                    .write((c, w) -> w.group("group", c.group()))
                    .agent((c, a) ->
                            KernelCall.of("group-release").group(a, c.group()).line())
                    .generate(d -> new GroupRelease(d.group()))
                    .build(),
            Operation.define("iommu.device_claim", IN_KERNEL, DeviceClaim.class, Reply.None.class)
                    .args(required("device", DEVICE), required("owner", NULLABLE_TEXT))
                    .rule((tx, c) ->
                            GroupRules.claimDevice(tx, c.device(), c.owner().map(OwnerId::kernelCaller)))
                    .read(s -> new DeviceClaim(s.device("device"), s.nullableText("owner")))
                    .write((c, w) -> w.device("device", c.device()).nullableText("owner", c.owner()))
                    .agent((c, a) -> KernelCall.of("device-claim")
                            .device(a, c.device())
                            .owner(a, c.owner())
                            .line())
                    .generate(d -> new DeviceClaim(d.device(), Optional.of(d.pick(List.of("k1", "k2")))))
                    .build(),
            Operation.define("iommu.device_release", IN_KERNEL, DeviceRelease.class, Reply.None.class)
                    .args(required("device", DEVICE))
                    .rule((tx, c) -> GroupRules.releaseDevice(tx, c.device()))
                    .read(s -> new DeviceRelease(s.device("device")))
                    .write((c, w) -> w.device("device", c.device()))
                    .agent((c, a) -> KernelCall.of("device-release")
                            .device(a, c.device())
                            .line())
                    .generate(d -> new DeviceRelease(d.device()))
                    .build(),
            Operation.define("iommu.domain_alloc", IN_KERNEL, DomainAlloc.class, Reply.Created.class)
                    .args(required("device", DEVICE))
                    .rule((tx, c) -> DomainRules.allocate(tx, c.device(), c.label()))
                    .read(s -> new DomainAlloc(s.device("device"), s.label()))
                    .write((c, w) -> w.device("device", c.device()).as(c.label()))
                    .agent((c, a) -> KernelCall.of("domain-alloc")
                            .device(a, c.device())
                            .created(a, c.label())
                            .line())
                    .generate(d -> new DomainAlloc(d.device(), d.label()))
                    .build(),
            Operation.define("iommu.domain_free", IN_KERNEL, DomainFree.class, Reply.None.class)
                    .args(required("domain", REF))
                    .rule((tx, c) -> withDomain(tx, c.domain(), id -> DomainRules.free(tx, id)))
                    .read(s -> new DomainFree(s.ref("domain")))
                    .write((c, w) -> w.ref("domain", c.domain()))
                    .agent((c, a) ->
                            KernelCall.of("domain-free").domain(a, c.domain()).line())
                    .generate(d -> new DomainFree(d.handle(HandleKind.DOMAIN)))
                    .build(),
            Operation.define("iommu.attach_device", IN_KERNEL, AttachDevice.class, Reply.None.class)
                    .args(required("domain", REF), required("device", DEVICE))
                    .rule((tx, c) -> withDomain(tx, c.domain(), id -> DomainRules.attachDevice(tx, id, c.device())))
                    .read(s -> new AttachDevice(s.ref("domain"), s.device("device")))
                    .write((c, w) -> w.ref("domain", c.domain()).device("device", c.device()))
                    .agent((c, a) -> KernelCall.of("attach-device")
                            .device(a, c.device())
                            .domain(a, c.domain())
                            .line())
                    .generate(d -> new AttachDevice(d.handle(HandleKind.DOMAIN), d.device()))
                    .build(),
            Operation.define("iommu.detach_device", IN_KERNEL, DetachDevice.class, Reply.None.class)
                    .args(required("domain", REF), required("device", DEVICE))
                    .rule((tx, c) -> withDomain(tx, c.domain(), id -> DomainRules.detachDevice(tx, id, c.device())))
                    .read(s -> new DetachDevice(s.ref("domain"), s.device("device")))
                    .write((c, w) -> w.ref("domain", c.domain()).device("device", c.device()))
                    .agent((c, a) -> KernelCall.of("detach-device")
                            .device(a, c.device())
                            .domain(a, c.domain())
                            .line())
                    .generate(d -> new DetachDevice(d.handle(HandleKind.DOMAIN), d.device()))
                    .build(),
            Operation.define("iommu.attach_group", IN_KERNEL, AttachGroup.class, Reply.None.class)
                    .args(required("domain", REF), required("group", GROUP))
                    .rule((tx, c) -> Kernel.withGroupAndDomain(
                            tx, c.group(), c.domain(), (g, id) -> DomainRules.attachGroupOp(tx, id, g)))
                    .read(s -> new AttachGroup(s.ref("domain"), s.group("group")))
                    .write((c, w) -> w.ref("domain", c.domain()).group("group", c.group()))
                    .agent((c, a) -> KernelCall.of("attach-group")
                            .group(a, c.group())
                            .domain(a, c.domain())
                            .line())
                    .generate(d -> new AttachGroup(d.handle(HandleKind.DOMAIN), d.group()))
                    .build(),
            // the domain is optional: iommu_detach_group() takes it, but only the group's state decides
            Operation.define("iommu.detach_group", IN_KERNEL, DetachGroup.class, Reply.None.class)
                    .args(optional("domain", NULLABLE_REF), required("group", GROUP))
                    .rule((tx, c) -> withGroup(tx, c.group(), g -> DomainRules.detachGroupOp(tx, g)))
                    .read(s -> new DetachGroup(s.nullableRef("domain").orElse(new Handle.Number(0)), s.group("group")))
                    .write((c, w) -> w.ref("domain", c.domain()).group("group", c.group()))
                    .agent((c, a) -> KernelCall.of("detach-group")
                            .group(a, c.group())
                            .domain(a, c.domain())
                            .line())
                    .generate(d -> new DetachGroup(d.handle(HandleKind.DOMAIN), d.group()))
                    .build(),
            Operation.define("iommu.replace_domain", IN_KERNEL, ReplaceDomain.class, Reply.None.class)
                    .args(required("group", GROUP), required("domain", NULLABLE_REF))
                    .rule((tx, c) -> withGroup(
                            tx,
                            c.group(),
                            g -> c.domain().isEmpty()
                                    ? DomainRules.replace(tx, g, Optional.empty())
                                    : withDomain(
                                            tx, c.domain().get(), id -> DomainRules.replace(tx, g, Optional.of(id)))))
                    .read(s -> new ReplaceDomain(s.group("group"), s.nullableRef("domain")))
                    .write((c, w) -> w.group("group", c.group()).nullableRef("domain", c.domain()))
                    .agent((c, a) -> KernelCall.of("replace-domain")
                            .group(a, c.group())
                            .domain(a, c.domain())
                            .line())
                    .generate(d -> new ReplaceDomain(d.group(), Optional.of(d.handle(HandleKind.DOMAIN))))
                    .build(),
            Operation.define("iommu.attach_shared", IN_KERNEL, AttachShared.class, Reply.None.class)
                    .args(required("domain", REF), required("device", DEVICE))
                    .rule((tx, c) -> withDomain(tx, c.domain(), id -> SharedAttachRules.attach(tx, id, c.device())))
                    .read(s -> new AttachShared(s.ref("domain"), s.device("device")))
                    .write((c, w) -> w.ref("domain", c.domain()).device("device", c.device()))
                    .agent((c, a) -> KernelCall.of("attach-shared")
                            .device(a, c.device())
                            .domain(a, c.domain())
                            .line())
                    .generate(d -> new AttachShared(d.handle(HandleKind.DOMAIN), d.device()))
                    .build(),
            Operation.define("iommu.detach_shared", IN_KERNEL, DetachShared.class, Reply.None.class)
                    .args(required("domain", REF), required("device", DEVICE))
                    .rule((tx, c) -> withDomain(tx, c.domain(), id -> SharedAttachRules.detach(tx, id, c.device())))
                    .read(s -> new DetachShared(s.ref("domain"), s.device("device")))
                    .write((c, w) -> w.ref("domain", c.domain()).device("device", c.device()))
                    .agent((c, a) -> KernelCall.of("detach-shared")
                            .device(a, c.device())
                            .domain(a, c.domain())
                            .line())
                    .generate(d -> new DetachShared(d.handle(HandleKind.DOMAIN), d.device()))
                    .build(),
            Operation.define("iommu.map", IN_KERNEL, IommuMap.class, Reply.Amount.class)
                    .args(
                            required("domain", REF),
                            required("iova", NUMBER),
                            required("paddr", NUMBER),
                            required("size", NUMBER),
                            optional("prot", PROT))
                    .rule((tx, c) -> withDomain(
                            tx,
                            c.domain(),
                            id -> MappingRules.iommuMap(
                                    tx, id, c.iova(), c.paddr(), c.size(), new Prot(c.read(), c.write()))))
                    .read(s -> new IommuMap(
                            s.ref("domain"),
                            s.number("iova"),
                            s.number("paddr"),
                            s.number("size"),
                            s.readable("prot"),
                            s.writable("prot")))
                    .write((c, w) -> w.ref("domain", c.domain())
                            .address("iova", c.iova())
                            .address("paddr", c.paddr())
                            .address("size", c.size())
                            .prot("prot", c.read(), c.write()))
                    .agent((c, a) -> KernelCall.of("map")
                            .domain(a, c.domain())
                            .range(c.iova(), c.paddr(), c.size())
                            .prot(c.read(), c.write())
                            .line())
                    .agentValue((c, r, v) -> v.put("mapped", r.number("mapped")))
                    .generate(d -> new IommuMap(
                            d.handle(HandleKind.DOMAIN),
                            0x200000L * d.below(8),
                            0x200000L * d.below(8),
                            0x1000L << d.below(12),
                            true,
                            true))
                    .build(),
            Operation.define("iommu.unmap", IN_KERNEL, IommuUnmap.class, Reply.Amount.class)
                    .args(required("domain", REF), required("iova", NUMBER), required("size", NUMBER))
                    .rule((tx, c) ->
                            withDomain(tx, c.domain(), id -> MappingRules.iommuUnmap(tx, id, c.iova(), c.size())))
                    .read(s -> new IommuUnmap(s.ref("domain"), s.number("iova"), s.number("size")))
                    .write((c, w) -> w.ref("domain", c.domain())
                            .address("iova", c.iova())
                            .address("size", c.size()))
                    .agent((c, a) -> KernelCall.of("unmap")
                            .domain(a, c.domain())
                            .range(c.iova(), 0, c.size())
                            .line())
                    .agentValue((c, r, v) -> v.put("unmapped", r.number("unmapped")))
                    .generate(d ->
                            new IommuUnmap(d.handle(HandleKind.DOMAIN), 0x200000L * d.below(8), 0x1000L << d.below(12)))
                    .build(),
            Operation.define("iommu.iova_to_phys", IN_KERNEL, IovaToPhys.class, Reply.Amount.class)
                    .args(required("domain", REF), required("iova", NUMBER))
                    .rule((tx, c) -> withDomain(tx, c.domain(), id -> MappingRules.iovaToPhys(tx, id, c.iova())))
                    .read(s -> new IovaToPhys(s.ref("domain"), s.number("iova")))
                    .write((c, w) -> w.ref("domain", c.domain()).address("iova", c.iova()))
                    .agent((c, a) -> KernelCall.of("iova-to-phys")
                            .domain(a, c.domain())
                            .range(c.iova(), 0, 0)
                            .line())
                    .agentValue((c, r, v) -> v.put("paddr", r.number("paddr")))
                    .generate(d ->
                            new IovaToPhys(d.handle(HandleKind.DOMAIN), 0x200000L * d.below(8) + 0x1000L * d.below(4)))
                    .build());
}
