package dev.custody.ops;

import static dev.custody.ops.Arg.required;
import static dev.custody.ops.ArgKind.GROUP;
import static dev.custody.ops.ArgKind.TEXT;
import static dev.custody.ops.Caller.HARNESS;
import static dev.custody.ops.Caller.USER_SPACE;

import dev.custody.model.Command.QueryGroup;
import dev.custody.model.Command.SysfsGroupType;
import dev.custody.model.ProcessCapability;
import dev.custody.model.Reply;
import dev.custody.rules.SysfsRules;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;

/** What sysfs shows and takes about a group: its default domain type, and its state as a test reads it. */
final class SysfsOperations {
    private SysfsOperations() {}

    /** A writer that states no capabilities has all of them (it runs as root). */
    private static final EnumSet<ProcessCapability> ROOT = EnumSet.allOf(ProcessCapability.class);

    static final List<Operation<?>> ALL = List.of(
            Operation.define("sysfs.group_type", USER_SPACE, SysfsGroupType.class, Reply.None.class)
                    .args(required("group", GROUP), required("value", TEXT), Arg.flags("caps", ProcessCapability.class))
                    .rule((tx, c) -> SysfsRules.storeType(tx, c.group(), c.value(), c.capabilities()))
                    .read(s -> new SysfsGroupType(
                            s.group("group"), s.text("value"), s.flags("caps", ProcessCapability.class, ROOT)))
                    .write((c, w) ->
                            w.group("group", c.group()).text("value", c.value()).flags("caps", c.capabilities()))
                    .agent((c, a) -> "sysfs " + capabilities(c) + " /sys/bus/pci/devices/" + a.groupAddress(c.group())
                            + "/iommu_group/type " + a.token("value", c.value()))
                    .generate(d ->
                            new SysfsGroupType(d.group(), d.pick(List.of("identity", "DMA", "DMA-FQ", "auto")), ROOT))
                    .build(),
            Operation.define("state", HARNESS, QueryGroup.class, Reply.GroupView.class)
                    .args(required("group", GROUP))
                    .rule((tx, c) -> SysfsRules.view(tx.state(), c.group()))
                    .read(s -> new QueryGroup(s.group("group")))
                    .write((c, w) -> w.group("group", c.group()))
                    // reading sysfs changes nothing, so the agent can do it: it prints each member's driver and group
                    .agent((c, a) -> "state " + String.join(" ", a.groupAddresses(c.group())))
                    // what user space can see of a group: its devices' drivers, not its owner or domain
                    .agentValue((c, r, v) -> v.set("devices", r.devices()))
                    .generate(d -> new QueryGroup(d.group()))
                    .build());

    /** The agent's capability list: all (root keeps everything), the names kept, or none. */
    private static String capabilities(SysfsGroupType c) {
        if (c.capabilities().containsAll(ROOT)) {
            return "all";
        }
        return c.capabilities().isEmpty()
                ? "none"
                : c.capabilities().stream().sorted().map(Enum::name).collect(Collectors.joining(","));
    }
}
