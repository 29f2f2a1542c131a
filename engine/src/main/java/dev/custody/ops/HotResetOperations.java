package dev.custody.ops;

import static dev.custody.ops.Arg.optional;
import static dev.custody.ops.Arg.required;
import static dev.custody.ops.ArgKind.NUMBER;
import static dev.custody.ops.ArgKind.REF;
import static dev.custody.ops.ArgKind.REFS;
import static dev.custody.ops.Caller.USER_SPACE;

import dev.custody.model.Command.PciHotReset;
import dev.custody.model.Command.PciHotResetInfo;
import dev.custody.model.Handle;
import dev.custody.model.Reply;
import dev.custody.rules.HotResetRules;
import java.util.ArrayList;
import java.util.List;

/** The hot reset of a VFIO PCI device's bus or slot, on a device fd of either path. */
final class HotResetOperations {
    private HotResetOperations() {}

    /** What hot_reset_info asks for when a step gives no count: room for every device. */
    static final long ALL_DEVICES = Integer.MAX_VALUE;
    /** The agent's buffer holds this many entries; asking for every device asks for this many. */
    static final int AGENT_DEVICE_BUFFER = 32;

    static final List<Operation<?>> ALL = List.of(
            Operation.define("vfio.device.hot_reset_info", USER_SPACE, PciHotResetInfo.class, Reply.HotResetInfo.class)
                    .args(required("fd", REF), optional("num", NUMBER))
                    .rule((tx, c) -> HotResetRules.info(tx, c.fd(), c.capacity()))
                    .read(s -> new PciHotResetInfo(
                            s.ref("fd"), s.optionalNumber("num").orElse(ALL_DEVICES)))
                    .write((c, w) -> {
                        w.ref("fd", c.fd());
                        if (c.capacity() != ALL_DEVICES) {
                            w.count("num", c.capacity());
                        }
                    })
                    .agent((c, a) -> "hot-reset-info " + a.name(c.fd()) + " "
                            + (c.capacity() == ALL_DEVICES
                                    ? String.valueOf(AGENT_DEVICE_BUFFER)
                                    : AgentContext.hex(c.capacity())))
                    .agentValue((c, r, v) -> {
                        v.put("count", r.number("count"));
                        var flags = v.putArray("flags");
                        r.text("flags")
                                .filter(f -> !f.isEmpty())
                                .ifPresent(f -> List.of(f.split(",")).forEach(flags::add));
                        v.put("groups", r.number("groups"));
                        var devids = v.putArray("devids");
                        r.text("devids")
                                .filter(d -> !d.isEmpty())
                                .ifPresent(d -> List.of(d.split(",")).forEach(id -> devids.add(Integer.parseInt(id))));
                    })
                    .generate(d -> new PciHotResetInfo(
                            d.handle(d.coin() ? HandleKind.DEVICE_FILE : HandleKind.CDEV),
                            d.coin() ? ALL_DEVICES : d.below(3)))
                    .build(),
            Operation.define("vfio.device.hot_reset", USER_SPACE, PciHotReset.class, Reply.None.class)
                    .args(required("fd", REF), optional("groups", REFS), optional("flags", NUMBER))
                    .rule((tx, c) -> HotResetRules.reset(tx, c.fd(), c.groups(), c.flags()))
                    .read(s -> new PciHotReset(
                            s.ref("fd"),
                            s.refs("groups"),
                            s.optionalNumber("flags").orElse(0)))
                    .write((c, w) -> {
                        w.ref("fd", c.fd());
                        if (!c.groups().isEmpty()) {
                            w.refs("groups", c.groups());
                        }
                        if (c.flags() != 0) {
                            w.address("flags", c.flags());
                        }
                    })
                    .agent((c, a) -> "hot-reset " + a.name(c.fd()) + " " + AgentContext.hex(c.flags()) + " "
                            + groupTokens(c.groups(), a))
                    .generate(d -> {
                        boolean cdev = d.coin();
                        List<Handle> groups = new ArrayList<>();
                        if (!cdev) {
                            for (int i = 0, n = 1 + d.below(2); i < n; i++) {
                                groups.add(d.handle(HandleKind.GROUP_FILE));
                            }
                        }
                        return new PciHotReset(d.handle(cdev ? HandleKind.CDEV : HandleKind.DEVICE_FILE), groups, 0);
                    })
                    .build());

    /** The group fds as the agent reads them: names joined by commas, {@code -} for none. */
    private static String groupTokens(List<Handle> groups, AgentContext agent) throws NotRealisable {
        if (groups.isEmpty()) {
            return "-";
        }
        List<String> tokens = new ArrayList<>();
        for (Handle group : groups) {
            tokens.add(agent.name(group));
        }
        return String.join(",", tokens);
    }
}
