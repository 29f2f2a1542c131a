package dev.custody.ops;

import static dev.custody.ops.Arg.optional;
import static dev.custody.ops.Arg.required;
import static dev.custody.ops.ArgKind.NUMBER;
import static dev.custody.ops.ArgKind.REF;
import static dev.custody.ops.ArgKind.TEXT;
import static dev.custody.ops.Caller.USER_SPACE;

import dev.custody.model.Command.IommuOption;
import dev.custody.model.Handle;
import dev.custody.model.ProcessCapability;
import dev.custody.model.Reply;
import dev.custody.rules.OptionRules;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * IOMMU_OPTION: an iommufd's pinned-page accounting mode (RLIMIT_MODE, object 0) and an IOAS's use of
 * large pages (HUGE_PAGES), read (GET) or written (SET).
 */
final class IommufdOptionOperations {
    private IommufdOptionOperations() {}

    /** A caller that states no capabilities has all of them (it runs as root). */
    private static final EnumSet<ProcessCapability> ROOT = EnumSet.allOf(ProcessCapability.class);

    /** The uapi names of option_id and op; any other value is written as its number. */
    static final Map<String, Long> OPTIONS =
            Map.of("RLIMIT_MODE", OptionRules.RLIMIT_MODE, "HUGE_PAGES", OptionRules.HUGE_PAGES);

    static final Map<String, Long> OPS = Map.of("SET", OptionRules.OP_SET, "GET", OptionRules.OP_GET);

    private static final Handle NO_OBJECT = new Handle.Number(0);

    static final List<Operation<?>> ALL = List.of(Operation.define(
                    "iommufd.option", USER_SPACE, IommuOption.class, Reply.Amount.class)
            .args(
                    required("iommufd", REF),
                    required("option", TEXT),
                    required("option_op", TEXT),
                    optional("object", REF),
                    optional("val64", NUMBER),
                    optional("reserved", NUMBER),
                    Arg.flags("caps", ProcessCapability.class))
            .rule((tx, c) -> OptionRules.option(
                    tx, c.iommufd(), c.option(), c.op(), c.object(), c.val64(), c.reserved(), c.capabilities()))
            .read(s -> new IommuOption(
                    s.ref("iommufd"),
                    code(OPTIONS, s.text("option")),
                    code(OPS, s.text("option_op")),
                    s.nullableRef("object").orElse(NO_OBJECT),
                    s.optionalNumber("val64").orElse(0),
                    s.optionalNumber("reserved").orElse(0),
                    s.flags("caps", ProcessCapability.class, ROOT)))
            .write((c, w) -> {
                w.ref("iommufd", c.iommufd())
                        .text("option", name(OPTIONS, c.option()))
                        .text("option_op", name(OPS, c.op()));
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

    /** A uapi name, or the value as a number (decimal, or hexadecimal after 0x). */
    static long code(Map<String, Long> names, String text) {
        Long named = names.get(text);
        if (named != null) {
            return named;
        }
        return text.startsWith("0x") ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseUnsignedLong(text);
    }

    static String name(Map<String, Long> names, long value) {
        return names.entrySet().stream()
                .filter(e -> e.getValue() == value)
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse(Long.toUnsignedString(value));
    }

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
