package dev.custody.ops;

import static dev.custody.ops.Arg.optional;
import static dev.custody.ops.Arg.required;
import static dev.custody.ops.ArgKind.DEVICE;
import static dev.custody.ops.ArgKind.NUMBER;
import static dev.custody.ops.ArgKind.RANGES;
import static dev.custody.ops.ArgKind.REF;
import static dev.custody.ops.Caller.USER_SPACE;

import dev.custody.model.Command.CdevAttach;
import dev.custody.model.Command.CdevBind;
import dev.custody.model.Command.CdevDetach;
import dev.custody.model.Command.CdevOpen;
import dev.custody.model.Command.Destroy;
import dev.custody.model.Command.HwptAlloc;
import dev.custody.model.Command.IoasAlloc;
import dev.custody.model.Command.IoasAllowIovas;
import dev.custody.model.Command.IoasIovaRanges;
import dev.custody.model.Command.IoasMap;
import dev.custody.model.Command.IoasUnmap;
import dev.custody.model.Command.IommufdOpen;
import dev.custody.model.HwptAllocFlag;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.IovaSpan;
import dev.custody.model.Reply;
import dev.custody.rules.CdevRules;
import dev.custody.rules.IommufdRules;
import dev.custody.rules.MappingRules;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/** iommufd (/dev/iommu: IOAS, HWPT, map/unmap) and the VFIO device cdevs bound to it. */
final class IommufdOperations {
    private IommufdOperations() {}

    /** What iova_ranges asks for when a step gives no count: every range there is. */
    static final long ALL_RANGES = Integer.MAX_VALUE;
    /** The agent's buffer holds this many ranges; asking for every range asks for this many. */
    static final int AGENT_RANGE_BUFFER = 64;

    static final List<Operation<?>> ALL = List.of(
            Operation.define("iommufd.open", USER_SPACE, IommufdOpen.class, Reply.Created.class)
                    .rule((tx, c) -> IommufdRules.open(tx, c.label()))
                    .read(s -> new IommufdOpen(s.label()))
                    .write((c, w) -> w.as(c.label()))
                    .agent((c, a) -> "open " + a.created(c.label()) + " iommufd")
                    .generate(d -> new IommufdOpen(d.label()))
                    .build(),
            VfioOperations.close("iommufd.close"),
            Operation.define("cdev.open", USER_SPACE, CdevOpen.class, Reply.Created.class)
                    .args(required("device", DEVICE))
                    .rule((tx, c) -> CdevRules.open(tx, c.device(), c.label()))
                    .read(s -> new CdevOpen(s.device("device"), s.label()))
                    .write((c, w) -> w.device("device", c.device()).as(c.label()))
                    .agent((c, a) -> "open " + a.created(c.label()) + " cdev " + a.address(c.device()))
                    .generate(d -> new CdevOpen(d.device(), d.label()))
                    .build(),
            Operation.define("cdev.bind", USER_SPACE, CdevBind.class, Reply.Bound.class)
                    .args(required("fd", REF), required("iommufd", REF))
                    .rule((tx, c) -> CdevRules.bind(tx, c.fd(), c.iommufd()))
                    .read(s -> new CdevBind(s.ref("fd"), s.ref("iommufd")))
                    .write((c, w) -> w.ref("fd", c.fd()).ref("iommufd", c.iommufd()))
                    .agent((c, a) -> "cdev-bind " + a.name(c.fd()) + " " + a.name(c.iommufd()))
                    .agentValue((c, r, v) -> v.put("devid", r.number("devid")))
                    .generate(d -> new CdevBind(d.handle(HandleKind.CDEV), d.handle(HandleKind.IOMMUFD)))
                    .build(),
            // the name, when the step gives one, names the HWPT the device ends up attached to
            Operation.define("cdev.attach", USER_SPACE, CdevAttach.class, Reply.Attached.class)
                    .args(required("fd", REF), required("pt", REF))
                    .rule((tx, c) -> CdevRules.attach(tx, c.fd(), c.pt(), c.label()))
                    .read(s -> new CdevAttach(s.ref("fd"), s.ref("pt"), s.as()))
                    .write((c, w) -> w.ref("fd", c.fd()).ref("pt", c.pt()).as(c.label()))
                    .agent((c, a) -> "cdev-attach " + a.name(c.fd()) + " " + a.name(c.pt()) + " "
                            + (c.label().isPresent() ? a.created(c.label().get()) : a.unnamed()))
                    .agentValue((c, r, v) ->
                            v.put("pt", r.objectName(r.text("pt_id").orElse(""))))
                    .generate(d -> new CdevAttach(
                            d.handle(HandleKind.CDEV),
                            d.handle(HandleKind.PAGE_TABLE),
                            java.util.Optional.of(d.label())))
                    .build(),
            Operation.define("cdev.detach", USER_SPACE, CdevDetach.class, Reply.None.class)
                    .args(required("fd", REF))
                    .rule((tx, c) -> CdevRules.detach(tx, c.fd()))
                    .read(s -> new CdevDetach(s.ref("fd")))
                    .write((c, w) -> w.ref("fd", c.fd()))
                    .agent((c, a) -> "cdev-detach " + a.name(c.fd()))
                    .generate(d -> new CdevDetach(d.handle(HandleKind.CDEV)))
                    .build(),
            VfioOperations.close("cdev.close"),
            Operation.define("iommufd.ioas_alloc", USER_SPACE, IoasAlloc.class, Reply.Created.class)
                    .args(required("iommufd", REF))
                    .rule((tx, c) -> IommufdRules.allocateIoas(tx, c.iommufd(), c.label()))
                    .read(s -> new IoasAlloc(s.ref("iommufd"), s.label()))
                    .write((c, w) -> w.ref("iommufd", c.iommufd()).as(c.label()))
                    .agent((c, a) -> {
                        a.allocatedFrom(c.label(), c.iommufd());
                        return "ioas-alloc " + a.name(c.iommufd()) + " " + a.created(c.label());
                    })
                    .generate(d -> new IoasAlloc(d.handle(HandleKind.IOMMUFD), d.label()))
                    .build(),
            Operation.define("iommufd.hwpt_alloc", USER_SPACE, HwptAlloc.class, Reply.Created.class)
                    .args(
                            required("iommufd", REF),
                            required("device", REF),
                            required("pt", REF),
                            Arg.flags("flags", HwptAllocFlag.class))
                    .rule((tx, c) ->
                            IommufdRules.allocateHwpt(tx, c.iommufd(), c.device(), c.pt(), c.label(), c.flags()))
                    .read(s -> new HwptAlloc(
                            s.ref("iommufd"),
                            s.ref("device"),
                            s.ref("pt"),
                            s.label(),
                            s.flags("flags", HwptAllocFlag.class)))
                    .write((c, w) -> {
                        w.ref("iommufd", c.iommufd()).ref("device", c.device()).ref("pt", c.pt());
                        if (!c.flags().isEmpty()) {
                            w.flags("flags", c.flags());
                        }
                        w.as(c.label());
                    })
                    .agent((c, a) -> {
                        a.allocatedFrom(c.label(), c.iommufd());
                        // the flags only when there are some, so flagless lines stay as they were
                        return "hwpt-alloc " + a.name(c.iommufd()) + " " + a.name(c.device()) + " " + a.name(c.pt())
                                + " " + a.created(c.label())
                                + (c.flags().isEmpty()
                                        ? ""
                                        : " "
                                                + c.flags().stream()
                                                        .sorted()
                                                        .map(Enum::name)
                                                        .collect(Collectors.joining(",")));
                    })
                    .generate(d -> new HwptAlloc(
                            d.handle(HandleKind.IOMMUFD),
                            d.handle(HandleKind.CDEV),
                            d.handle(HandleKind.IOAS),
                            d.label()))
                    .build(),
            Operation.define("iommufd.destroy", USER_SPACE, Destroy.class, Reply.None.class)
                    .args(required("iommufd", REF), required("id", REF))
                    .rule((tx, c) -> IommufdRules.destroy(tx, c.iommufd(), c.id()))
                    .read(s -> new Destroy(s.ref("iommufd"), s.ref("id")))
                    .write((c, w) -> w.ref("iommufd", c.iommufd()).ref("id", c.id()))
                    .agent((c, a) -> "destroy " + a.name(c.iommufd()) + " " + a.name(c.id()))
                    .generate(d -> new Destroy(d.handle(HandleKind.IOMMUFD), d.handle(HandleKind.PAGE_TABLE)))
                    .build(),
            Operation.define("iommufd.ioas_map", USER_SPACE, IoasMap.class, Reply.Amount.class)
                    .args(
                            required("ioas", REF),
                            optional("iova", NUMBER),
                            required("length", NUMBER),
                            Arg.flagWord("flags", IoasMapFlag.class))
                    .rule((tx, c) -> MappingRules.ioasMap(tx, c.ioas(), c.iova(), c.length(), c.flags(), c.flagWord()))
                    .read(s -> new IoasMap(
                            s.ref("ioas"),
                            s.optionalNumber("iova"),
                            s.number("length"),
                            s.flags("flags", IoasMapFlag.class),
                            s.flagWord("flags")))
                    .write((c, w) -> {
                        w.ref("ioas", c.ioas());
                        c.iova().ifPresent(iova -> w.address("iova", iova));
                        w.address("length", c.length());
                        if (c.flagWord().isPresent()) {
                            w.flagWord("flags", c.flagWord().getAsInt());
                        } else {
                            w.flags("flags", c.flags());
                        }
                    })
                    .agent((c, a) -> "ioas-map " + a.iommufdOf(c.ioas()) + " " + a.name(c.ioas()) + " "
                            + (c.iova().isPresent() ? AgentContext.hex(c.iova().getAsLong()) : "-") + " "
                            + AgentContext.hex(c.length()) + " " + flagsText(c))
                    .agentValue((c, r, v) -> v.put("iova", r.number("iova")))
                    .generate(d -> new IoasMap(
                            d.handle(HandleKind.IOAS),
                            d.coin() ? OptionalLong.empty() : OptionalLong.of(0x1000L * d.below(64)),
                            0x1000L * (1 + d.below(4)),
                            EnumSet.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE)))
                    .build(),
            Operation.define("iommufd.ioas_unmap", USER_SPACE, IoasUnmap.class, Reply.Amount.class)
                    .args(required("ioas", REF), required("iova", NUMBER), required("length", NUMBER))
                    .rule((tx, c) -> MappingRules.ioasUnmap(tx, c.ioas(), c.iova(), c.length()))
                    .read(s -> new IoasUnmap(s.ref("ioas"), s.number("iova"), s.number("length")))
                    .write((c, w) ->
                            w.ref("ioas", c.ioas()).address("iova", c.iova()).address("length", c.length()))
                    .agent((c, a) -> "ioas-unmap " + a.iommufdOf(c.ioas()) + " " + a.name(c.ioas()) + " "
                            + AgentContext.hex(c.iova()) + " " + AgentContext.hex(c.length()))
                    .agentValue((c, r, v) -> v.put("length", r.number("length")))
                    .generate(d ->
                            new IoasUnmap(d.handle(HandleKind.IOAS), 0x1000L * d.below(64), 0x1000L * (1 + d.below(8))))
                    .build(),
            Operation.define("iommufd.iova_ranges", USER_SPACE, IoasIovaRanges.class, Reply.IovaRanges.class)
                    .args(required("ioas", REF), optional("num", NUMBER))
                    .rule((tx, c) -> MappingRules.iovaRanges(tx, c.ioas(), c.capacity()))
                    .read(s -> new IoasIovaRanges(
                            s.ref("ioas"), s.optionalNumber("num").orElse(ALL_RANGES)))
                    .write((c, w) -> w.ref("ioas", c.ioas()).count("num", c.capacity()))
                    .agent((c, a) -> "iova-ranges " + a.iommufdOf(c.ioas()) + " " + a.name(c.ioas()) + " "
                            + (c.capacity() == ALL_RANGES
                                    ? String.valueOf(AGENT_RANGE_BUFFER)
                                    : AgentContext.hex(c.capacity())))
                    .agentValue((c, r, v) -> {
                        var ranges = v.putArray("ranges");
                        r.text("ranges").filter(text -> !text.isEmpty()).ifPresent(text -> {
                            for (String range : text.split(",")) {
                                String[] ends = range.split("-");
                                ranges.addArray()
                                        .add(new java.math.BigInteger(ends[0]))
                                        .add(new java.math.BigInteger(ends[1]));
                            }
                        });
                        v.put("alignment", r.number("alignment"));
                    })
                    .generate(d -> new IoasIovaRanges(d.handle(HandleKind.IOAS), d.below(4)))
                    .build(),
            Operation.define("iommufd.allow_iovas", USER_SPACE, IoasAllowIovas.class, Reply.None.class)
                    .args(required("ioas", REF), required("ranges", RANGES))
                    .rule((tx, c) -> MappingRules.allowIovas(tx, c.ioas(), c.ranges()))
                    .read(s -> new IoasAllowIovas(s.ref("ioas"), s.ranges("ranges")))
                    .write((c, w) -> w.ref("ioas", c.ioas()).ranges("ranges", c.ranges()))
                    .agent((c, a) ->
                            "allow-iovas " + a.iommufdOf(c.ioas()) + " " + a.name(c.ioas()) + " " + ranges(c.ranges()))
                    .generate(d -> {
                        long start = 0x10000L * d.below(4);
                        return new IoasAllowIovas(
                                d.handle(HandleKind.IOAS), List.of(new IovaSpan(start, start + 0x40000L - 1)));
                    })
                    .build());

    /** The flag names, or the raw word in hex, which the guest agent passes to the kernel as is. */
    private static String flagsText(IoasMap c) {
        return c.flagWord().isPresent()
                ? "0x" + Integer.toUnsignedString(c.flagWord().getAsInt(), 16)
                : names(c.flags());
    }

    private static String names(java.util.Set<IoasMapFlag> flags) {
        return flags.isEmpty() ? "-" : flags.stream().sorted().map(Enum::name).collect(Collectors.joining(","));
    }

    private static String ranges(List<IovaSpan> ranges) {
        return ranges.isEmpty()
                ? "-"
                : ranges.stream()
                        .map(r -> AgentContext.hex(r.start()) + "-" + AgentContext.hex(r.last()))
                        .collect(Collectors.joining(","));
    }
}
