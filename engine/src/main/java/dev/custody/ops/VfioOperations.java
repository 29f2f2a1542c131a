package dev.custody.ops;

import static dev.custody.ops.Arg.optional;
import static dev.custody.ops.Arg.required;
import static dev.custody.ops.ArgKind.BOOL;
import static dev.custody.ops.ArgKind.DEVICE;
import static dev.custody.ops.ArgKind.GROUP;
import static dev.custody.ops.ArgKind.IOMMU_TYPE;
import static dev.custody.ops.ArgKind.NULLABLE_REF;
import static dev.custody.ops.ArgKind.NUMBER;
import static dev.custody.ops.ArgKind.REF;
import static dev.custody.ops.Caller.USER_SPACE;

import dev.custody.model.Command.Close;
import dev.custody.model.Command.ContainerCheckExtension;
import dev.custody.model.Command.ContainerOpen;
import dev.custody.model.Command.ContainerSetIommu;
import dev.custody.model.Command.GetDeviceFd;
import dev.custody.model.Command.GroupOpen;
import dev.custody.model.Command.GroupStatus;
import dev.custody.model.Command.SetContainer;
import dev.custody.model.Command.Type1MapDma;
import dev.custody.model.Command.Type1UnmapDma;
import dev.custody.model.Command.UnsetContainer;
import dev.custody.model.IommuType;
import dev.custody.model.Reply;
import dev.custody.model.Type1MapFlag;
import dev.custody.rules.FileLifecycle;
import dev.custody.rules.MappingRules;
import dev.custody.rules.VfioContainerRules;
import dev.custody.rules.VfioGroupRules;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;

/** The VFIO group and container path: /dev/vfio/vfio, /dev/vfio/N, device fds, type1 map/unmap. */
final class VfioOperations {
    private VfioOperations() {}

    private static final List<Operation<?>> CALLS = List.of(
            Operation.define("vfio.container.open", USER_SPACE, ContainerOpen.class, Reply.Created.class)
                    .rule((tx, c) -> VfioContainerRules.open(tx, c.label()))
                    .read(s -> new ContainerOpen(s.label()))
                    .write((c, w) -> w.as(c.label()))
                    .agent((c, a) -> "open " + a.created(c.label()) + " container")
                    .generate(d -> new ContainerOpen(d.label()))
                    .build(),
            Operation.define("vfio.container.set_iommu", USER_SPACE, ContainerSetIommu.class, Reply.None.class)
                    .args(required("fd", REF), required("type", IOMMU_TYPE))
                    .rule((tx, c) -> VfioContainerRules.setIommu(tx, c.fd(), c.type()))
                    .read(s -> new ContainerSetIommu(s.ref("fd"), s.iommuType("type")))
                    .write((c, w) -> w.ref("fd", c.fd()).iommuType("type", c.type()))
                    .agent((c, a) ->
                            "set-iommu " + a.name(c.fd()) + " " + c.type().uapiNumber())
                    .generate(d -> new ContainerSetIommu(
                            d.handle(HandleKind.CONTAINER), d.coin() ? IommuType.TYPE1V2 : IommuType.TYPE1))
                    .build(),
            Operation.define(
                            "vfio.container.check_extension",
                            USER_SPACE,
                            ContainerCheckExtension.class,
                            Reply.Amount.class)
                    .args(required("fd", REF), required("type", IOMMU_TYPE))
                    .rule((tx, c) -> VfioContainerRules.checkExtension(tx, c.fd(), c.type()))
                    .read(s -> new ContainerCheckExtension(s.ref("fd"), s.iommuType("type")))
                    .write((c, w) -> w.ref("fd", c.fd()).iommuType("type", c.type()))
                    .agent((c, a) ->
                            "check-extension " + a.name(c.fd()) + " " + c.type().uapiNumber())
                    .agentValue((c, r, v) -> v.put("supported", r.number("supported")))
                    .generate(d -> new ContainerCheckExtension(
                            d.handle(d.coin() ? HandleKind.CONTAINER : HandleKind.IOMMUFD),
                            d.pick(List.of(IommuType.values()))))
                    .build(),
            Operation.define("vfio.group.open", USER_SPACE, GroupOpen.class, Reply.Created.class)
                    .args(required("group", GROUP))
                    .rule((tx, c) -> VfioGroupRules.open(tx, c.group(), c.label()))
                    .read(s -> new GroupOpen(s.group("group"), s.label()))
                    .write((c, w) -> w.group("group", c.group()).as(c.label()))
                    .agent((c, a) -> "open " + a.created(c.label()) + " vfio-group " + a.groupAddress(c.group()))
                    .generate(d -> new GroupOpen(d.group(), d.label()))
                    .build(),
            Operation.define("vfio.group.status", USER_SPACE, GroupStatus.class, Reply.GroupStatus.class)
                    .args(required("fd", REF))
                    .rule((tx, c) -> VfioGroupRules.status(tx, c.fd()))
                    .read(s -> new GroupStatus(s.ref("fd")))
                    .write((c, w) -> w.ref("fd", c.fd()))
                    .agent((c, a) -> "group-status " + a.name(c.fd()))
                    .agentValue((c, r, v) -> {
                        var flags = v.putArray("flags");
                        r.text("flags")
                                .filter(f -> !f.isEmpty())
                                .ifPresent(f -> List.of(f.split(",")).forEach(flags::add));
                    })
                    .generate(d -> new GroupStatus(d.handle(HandleKind.GROUP_FILE)))
                    .build(),
            // the container may be an iommufd: VFIO's compat layer on /dev/iommu
            Operation.define("vfio.group.set_container", USER_SPACE, SetContainer.class, Reply.None.class)
                    .args(required("fd", REF), required("container", REF))
                    .rule((tx, c) -> VfioGroupRules.setContainer(tx, c.fd(), c.container()))
                    .read(s -> new SetContainer(s.ref("fd"), s.ref("container")))
                    .write((c, w) -> w.ref("fd", c.fd()).ref("container", c.container()))
                    .agent((c, a) -> "set-container " + a.name(c.fd()) + " " + a.name(c.container()))
                    .generate(d -> new SetContainer(
                            d.handle(HandleKind.GROUP_FILE),
                            d.handle(d.coin() ? HandleKind.CONTAINER : HandleKind.IOMMUFD)))
                    .build(),
            // the ioctl names no container; a step may say which one it means, for the reader
            Operation.define("vfio.group.unset_container", USER_SPACE, UnsetContainer.class, Reply.None.class)
                    .args(required("fd", REF), optional("container", NULLABLE_REF))
                    .rule((tx, c) -> VfioGroupRules.unsetContainer(tx, c.fd()))
                    .read(s -> new UnsetContainer(s.ref("fd")))
                    .write((c, w) -> w.ref("fd", c.fd()))
                    .agent((c, a) -> "unset-container " + a.name(c.fd()))
                    .generate(d -> new UnsetContainer(d.handle(HandleKind.GROUP_FILE)))
                    .build(),
            Operation.define("vfio.group.get_device_fd", USER_SPACE, GetDeviceFd.class, Reply.Created.class)
                    .args(required("fd", REF), required("device", DEVICE))
                    .rule((tx, c) -> VfioGroupRules.getDeviceFd(tx, c.fd(), c.device(), c.label()))
                    .read(s -> new GetDeviceFd(s.ref("fd"), s.device("device"), s.label()))
                    .write((c, w) ->
                            w.ref("fd", c.fd()).device("device", c.device()).as(c.label()))
                    .agent((c, a) -> "get-device-fd " + a.name(c.fd()) + " " + a.address(c.device()) + " "
                            + a.created(c.label()))
                    .generate(d -> new GetDeviceFd(d.handle(HandleKind.GROUP_FILE), d.device(), d.label()))
                    .build(),
            Operation.define("vfio.map_dma", USER_SPACE, Type1MapDma.class, Reply.None.class)
                    .args(
                            required("container", REF),
                            required("iova", NUMBER),
                            required("vaddr", NUMBER),
                            required("size", NUMBER),
                            Arg.flags("flags", Type1MapFlag.class))
                    .rule((tx, c) -> MappingRules.type1Map(tx, c.container(), c.iova(), c.vaddr(), c.size(), c.flags()))
                    .read(s -> new Type1MapDma(
                            s.ref("container"),
                            s.number("iova"),
                            s.number("vaddr"),
                            s.number("size"),
                            s.flags("flags", Type1MapFlag.class)))
                    .write((c, w) -> w.ref("container", c.container())
                            .address("iova", c.iova())
                            .address("vaddr", c.vaddr())
                            .address("size", c.size())
                            .flags("flags", c.flags()))
                    .agent((c, a) -> "map-dma " + a.name(c.container()) + " " + AgentContext.hex(c.iova()) + " "
                            + AgentContext.hex(c.vaddr()) + " " + AgentContext.hex(c.size()) + " " + access(c))
                    .generate(d -> new Type1MapDma(
                            d.handle(HandleKind.CONTAINER),
                            0x1000L * d.below(64),
                            0x1000L * d.below(64),
                            0x1000L * (1 + d.below(4)),
                            EnumSet.allOf(Type1MapFlag.class)))
                    .build(),
            Operation.define("vfio.unmap_dma", USER_SPACE, Type1UnmapDma.class, Reply.Amount.class)
                    .args(
                            required("container", REF),
                            optional("iova", NUMBER),
                            optional("size", NUMBER),
                            optional("all", BOOL))
                    .rule((tx, c) -> MappingRules.type1Unmap(tx, c.container(), c.iova(), c.size(), c.all()))
                    .read(s -> new Type1UnmapDma(
                            s.ref("container"),
                            s.optionalNumber("iova").orElse(0),
                            s.optionalNumber("size").orElse(0),
                            s.bool("all")))
                    .write((c, w) -> w.ref("container", c.container())
                            .address("iova", c.iova())
                            .address("size", c.size())
                            .bool("all", c.all()))
                    .agent((c, a) -> "unmap-dma " + a.name(c.container()) + " " + AgentContext.hex(c.iova()) + " "
                            + AgentContext.hex(c.size()) + " " + (c.all() ? 1 : 0))
                    .agentValue((c, r, v) -> v.put("size", r.number("size")))
                    .generate(d -> new Type1UnmapDma(
                            d.handle(HandleKind.CONTAINER), 0x1000L * d.below(64), 0x1000L * (1 + d.below(8)), false))
                    .build());

    // close(2) is one call whatever the fd; scenarios name it by the kind of file they close
    private static final List<Operation<?>> CLOSES = Stream.of(
                    "vfio.container.close", "vfio.group.close", "vfio.device.close")
            .<Operation<?>>map(VfioOperations::close)
            .toList();

    static final List<Operation<?>> ALL =
            Stream.concat(CALLS.stream(), CLOSES.stream()).toList();

    /** The agent's access letters: r, w, rw, or - for neither. */
    private static String access(Type1MapDma c) {
        String letters = (c.flags().contains(Type1MapFlag.READ) ? "r" : "")
                + (c.flags().contains(Type1MapFlag.WRITE) ? "w" : "");
        return letters.isEmpty() ? "-" : letters;
    }

    static Operation<Close> close(String name) {
        Operation.Builder<Close> close = Operation.define(name, USER_SPACE, Close.class, Reply.None.class)
                .args(required("fd", REF))
                .rule((tx, c) -> FileLifecycle.close(tx, c.fd()))
                .read(s -> new Close(s.ref("fd")))
                .write((c, w) -> w.ref("fd", c.fd()))
                .agent((c, a) -> "close " + a.name(c.fd()));
        // one of the five spellings generates closes of any fd, so a walk closes no more often than it opens
        return (name.equals("vfio.device.close") ? close.generate(d -> new Close(d.handle(HandleKind.ANY))) : close)
                .build();
    }
}
