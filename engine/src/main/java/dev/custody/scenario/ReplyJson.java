package dev.custody.scenario;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.Reply;
import dev.custody.ops.U64;
import java.util.Optional;

/**
 * The {@code value} object of a step line, per op (docs/scenario-format.md, Operations); the control
 * socket answers with the same object.
 */
public final class ReplyJson {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private ReplyJson() {}

    public static Optional<ObjectNode> value(Reply reply) {
        ObjectNode value = JSON.objectNode();
        switch (reply) {
            case Reply.None n -> {
                return Optional.empty();
            }
            case Reply.Created c -> {
                return Optional.empty();
            }
            case Reply.Probed p -> value.put("driver", p.driver().orElse(null));
            case Reply.GroupStatus s -> {
                ArrayNode flags = value.putArray("flags");
                s.flags().forEach(flag -> flags.add(flag.name()));
            }
            case Reply.Bound b -> value.put("devid", b.devid());
            case Reply.Attached a -> value.put("pt", a.label());
            case Reply.Amount a -> value.put(a.field(), U64.unsigned(a.value()));
            case Reply.IovaRanges r -> {
                ArrayNode ranges = value.putArray("ranges");
                r.ranges()
                        .forEach(range -> ranges.addArray()
                                .add(U64.unsigned(range.start()))
                                .add(U64.unsigned(range.last())));
                value.put("alignment", U64.unsigned(r.alignment()));
            }
            case Reply.HwInfo h -> {
                value.put("out_data_type", U64.unsigned(h.dataType()));
                value.put("data_len", U64.unsigned(h.dataLength()));
                value.put("out_capabilities", U64.unsigned(h.capabilities()));
            }
            case Reply.HotResetInfo h -> {
                value.put("count", h.count());
                ArrayNode flags = value.putArray("flags");
                h.flags().forEach(flags::add);
                value.put("groups", h.groups());
                ArrayNode devids = value.putArray("devids");
                h.devids().forEach(devids::add);
            }
            case Reply.GroupView v -> {
                value.put("ownerCnt", v.ownerCnt());
                value.put("owner", v.owner().orElse(null));
                value.put("domain", v.domain().orElse(null));
                value.put("type", v.type().orElse(null));
                ArrayNode devices = value.putArray("devices");
                v.devices()
                        .forEach(d -> devices.addObject()
                                .put("device", d.device())
                                .put("driver", d.driver().orElse(null)));
            }
        }
        return Optional.of(value);
    }
}
