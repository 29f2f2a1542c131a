package dev.custody.ops;

import static dev.custody.ops.Arg.optional;
import static dev.custody.ops.Arg.required;
import static dev.custody.ops.ArgKind.NUMBER;
import static dev.custody.ops.ArgKind.REF;
import static dev.custody.ops.Caller.USER_SPACE;

import dev.custody.model.Command.IoasCopy;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.Reply;
import dev.custody.rules.MappingRules;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/** IOMMU_IOAS_COPY: an IOAS's pages mapped again into another IOAS (or the same one) without pinning anew. */
final class IommufdCopyOperations {
    private IommufdCopyOperations() {}

    static final List<Operation<?>> ALL = List.of(Operation.define(
                    "iommufd.ioas_copy", USER_SPACE, IoasCopy.class, Reply.Amount.class)
            .args(
                    required("src", REF),
                    required("src_iova", NUMBER),
                    required("dst", REF),
                    optional("dst_iova", NUMBER),
                    required("length", NUMBER),
                    Arg.flags("flags", IoasMapFlag.class))
            .rule((tx, c) ->
                    MappingRules.ioasCopy(tx, c.src(), c.srcIova(), c.dst(), c.dstIova(), c.length(), c.flags()))
            .read(s -> new IoasCopy(
                    s.ref("src"),
                    s.number("src_iova"),
                    s.ref("dst"),
                    s.optionalNumber("dst_iova"),
                    s.number("length"),
                    s.flags("flags", IoasMapFlag.class)))
            .write((c, w) -> {
                w.ref("src", c.src()).address("src_iova", c.srcIova()).ref("dst", c.dst());
                c.dstIova().ifPresent(iova -> w.address("dst_iova", iova));
                w.address("length", c.length()).flags("flags", c.flags());
            })
            // the ioctl goes through the source's iommufd; the destination is an id read in that file
            .agent((c, a) -> "ioas-copy " + a.iommufdOf(c.src()) + " " + a.name(c.src()) + " "
                    + AgentContext.hex(c.srcIova()) + " " + a.name(c.dst()) + " "
                    + (c.dstIova().isPresent() ? AgentContext.hex(c.dstIova().getAsLong()) : "-") + " "
                    + AgentContext.hex(c.length()) + " " + names(c.flags()))
            .agentValue((c, r, v) -> v.put("iova", r.number("iova")))
            // a page from one IOAS into another, at a fixed page or wherever the destination has room
            .generate(d -> new IoasCopy(
                    d.handle(HandleKind.IOAS),
                    0x1000L * d.below(64),
                    d.handle(HandleKind.IOAS),
                    d.coin() ? OptionalLong.empty() : OptionalLong.of(0x1000L * d.below(64)),
                    0x1000L,
                    EnumSet.of(IoasMapFlag.READABLE, IoasMapFlag.WRITEABLE)))
            .build());

    private static String names(Set<IoasMapFlag> flags) {
        return flags.isEmpty() ? "-" : flags.stream().sorted().map(Enum::name).collect(Collectors.joining(","));
    }
}
