package dev.custody.ops;

import static dev.custody.ops.Arg.optional;
import static dev.custody.ops.Arg.required;
import static dev.custody.ops.ArgKind.NUMBER;
import static dev.custody.ops.ArgKind.REF;
import static dev.custody.ops.Caller.USER_SPACE;

import dev.custody.model.Command.IommuOption;
import dev.custody.model.Handle;
import dev.custody.model.IommuOptionId;
import dev.custody.model.IommuOptionOp;
import dev.custody.model.ProcessCapability;
import dev.custody.model.Reply;
import dev.custody.rules.OptionRules;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;

/**
 * IOMMU_OPTION: an iommufd's pinned-page accounting mode (RLIMIT_MODE, object 0) and an IOAS's use of
 * large pages (HUGE_PAGES), read (GET) or written (SET).
 */
final class IommufdOptionOperations {
    private IommufdOptionOperations() {}

    /** A caller that states no capabilities has all of them (it runs as root). */
    private static final EnumSet<ProcessCapability> ROOT = EnumSet.allOf(ProcessCapability.class);

    private static final Handle NO_OBJECT = new Handle.Number(0);

    static final List<Operation<?>> ALL = List.of(Operation.define(
                    "iommufd.option", USER_SPACE, IommuOption.class, Reply.Amount.class)
            .args(
                    required("iommufd", REF),
                    Arg.code("option", IommuOptionId.class),
                    Arg.code("option_op", IommuOptionOp.class),
                    optional("object", REF),
                    optional("val64", NUMBER),
                    optional("reserved", NUMBER),
                    Arg.flags("caps", ProcessCapability.class))
            .rule((tx, c) -> OptionRules.option(
                    tx, c.iommufd(), c.option(), c.op(), c.object(), c.val64(), c.reserved(), c.capabilities()))
            .read(s -> new IommuOption(
                    s.ref("iommufd"),
                    s.code("option", IommuOptionId.class),
                    s.code("option_op", IommuOptionOp.class),
                    s.nullableRef("object").orElse(NO_OBJECT),
                    s.optionalNumber("val64").orElse(0),
                    s.optionalNumber("reserved").orElse(0),
                    s.flags("caps", ProcessCapability.class, ROOT)))
            .write((c, w) -> {
                w.ref("iommufd", c.iommufd())
                        .code("option", IommuOptionId.class, c.option())
                        .code("option_op", IommuOptionOp.class, c.op());
                if (!c.object().equals(NO_OBJECT)) {
                    w.ref("object", c.object());
                }
                if (c.val64() != 0) {
                    w.address("val64", c.val64());
                }
                if (c.reserved() != 0) {
                    w.address("reserved", c.reserved());
                }
                if (!c.capabilities().containsAll(ROOT)) {
                    w.flags("caps", c.capabilities());
                }
            })
            .agent((c, a) -> "option " + a.name(c.iommufd()) + " " + AgentContext.hex(c.option()) + " "
                    + AgentContext.hex(c.op()) + " " + a.name(c.object()) + " " + AgentContext.hex(c.val64()) + " "
                    + AgentContext.hex(c.reserved()) + " " + capabilities(c))
            .agentValue((c, r, v) -> v.put("val64", r.number("val64")))
            // mostly a read or a proper write of either option; now and then a value or option 6.12 refuses
            .generate(d -> {
                boolean huge = d.coin();
                return new IommuOption(
                        d.handle(HandleKind.IOMMUFD),
                        d.below(16) == 0 ? 2 : huge ? OptionRules.HUGE_PAGES : OptionRules.RLIMIT_MODE,
                        d.coin() ? OptionRules.OP_GET : OptionRules.OP_SET,
                        huge ? d.handle(HandleKind.IOAS) : NO_OBJECT,
                        d.below(8) == 0 ? 2 : d.below(2),
                        0,
                        ROOT);
            })
            .build());

    /** The agent's capability list: all (root keeps everything), the names kept, or none. */
    private static String capabilities(IommuOption c) {
        if (c.capabilities().containsAll(ROOT)) {
            return "all";
        }
        return c.capabilities().isEmpty()
                ? "none"
                : c.capabilities().stream().sorted().map(Enum::name).collect(Collectors.joining(","));
    }
}
