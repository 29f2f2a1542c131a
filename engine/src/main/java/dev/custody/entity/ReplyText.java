package dev.custody.entity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.GroupId;
import dev.custody.model.GroupStatusFlag;
import dev.custody.model.Handle;
import dev.custody.model.IovaSpan;
import dev.custody.model.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The value of a successful answer as the journal records it: JSON naming the reply's kind and its
 * fields, objects as {@link CommandText} tokens; the empty text for {@link Reply#NONE}. It reads back
 * as the same reply, which is what a retried operation is answered with.
 */
public final class ReplyText {
    private ReplyText() {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public static String write(Reply reply) {
        ObjectNode out = NODES.objectNode();
        switch (reply) {
            case Reply.None n -> {
                return "";
            }
            case Reply.Created c -> out.set("created", CommandText.token(c.handle()));
            case Reply.Probed p -> out.put("probed", p.driver().orElse(null));
            case Reply.GroupStatus s -> {
                ArrayNode flags = out.putArray("status");
                s.flags().forEach(flag -> flags.add(flag.name()));
            }
            case Reply.Bound b -> out.put("devid", b.devid());
            case Reply.Attached a -> {
                out.set("attached", CommandText.token(a.hwpt()));
                out.put("label", a.label());
                out.put("created", a.created());
            }
            case Reply.Amount a -> {
                out.put("amount", a.field());
                out.put("value", a.value());
            }
            case Reply.IovaRanges r -> {
                ArrayNode ranges = out.putArray("ranges");
                r.ranges().forEach(span -> ranges.addArray().add(span.start()).add(span.last()));
                out.put("alignment", r.alignment());
            }
            case Reply.HwInfo h -> {
                out.put("hwInfo", h.dataType());
                out.put("dataLength", h.dataLength());
                out.put("capabilities", h.capabilities());
            }
            case Reply.HotResetInfo h -> {
                out.put("hotResetCount", h.count());
                ArrayNode flags = out.putArray("flags");
                h.flags().forEach(flags::add);
                out.put("groups", h.groups());
                ArrayNode devids = out.putArray("devids");
                h.devids().forEach(devids::add);
            }
            case Reply.GroupView v -> {
                out.put("view", v.group().number());
                out.put("ownerCnt", v.ownerCnt());
                out.put("owner", v.owner().orElse(null));
                out.put("domain", v.domain().orElse(null));
                out.put("type", v.type().orElse(null));
                ArrayNode devices = out.putArray("devices");
                v.devices()
                        .forEach(d -> devices.addObject()
                                .put("device", d.device())
                                .put("driver", d.driver().orElse(null)));
            }
        }
        return out.toString();
    }

    public static Reply read(String text) {
        if (text.isEmpty()) {
            return Reply.NONE;
        }
        JsonNode in;
        try {
            in = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a recorded reply: " + text + " (" + e.getOriginalMessage() + ")");
        }
        if (in.has("attached")) { // before "created", which it has too {
            return new Reply.Attached(
                    handle(in.get("attached")),
                    in.get("label").textValue(),
                    in.get("created").booleanValue());
        }
        if (in.has("created")) {
            return new Reply.Created(handle(in.get("created")));
        }
        if (in.has("probed")) {
            return new Reply.Probed(text(in.get("probed")));
        }
        if (in.has("status")) {
            List<GroupStatusFlag> flags = new ArrayList<>();
            in.get("status").forEach(flag -> flags.add(GroupStatusFlag.valueOf(flag.textValue())));
            return new Reply.GroupStatus(flags);
        }
        if (in.has("hotResetCount")) {
            List<String> flags = new ArrayList<>();
            in.get("flags").forEach(flag -> flags.add(flag.textValue()));
            List<Integer> devids = new ArrayList<>();
            in.get("devids").forEach(devid -> devids.add(devid.intValue()));
            return new Reply.HotResetInfo(
                    in.get("hotResetCount").intValue(), flags, in.get("groups").intValue(), devids);
        }
        if (in.has("devid")) {
            return new Reply.Bound(in.get("devid").intValue());
        }
        if (in.has("amount")) {
            return new Reply.Amount(
                    in.get("amount").textValue(), in.get("value").longValue());
        }
        if (in.has("ranges")) {
            List<IovaSpan> ranges = new ArrayList<>();
            in.get("ranges")
                    .forEach(r -> ranges.add(
                            new IovaSpan(r.get(0).longValue(), r.get(1).longValue())));
            return new Reply.IovaRanges(ranges, in.get("alignment").longValue());
        }
        if (in.has("hwInfo")) {
            return new Reply.HwInfo(
                    in.get("hwInfo").longValue(),
                    in.get("dataLength").longValue(),
                    in.get("capabilities").longValue());
        }
        if (in.has("view")) {
            List<Reply.DeviceDriver> devices = new ArrayList<>();
            in.get("devices")
                    .forEach(d ->
                            devices.add(new Reply.DeviceDriver(d.get("device").textValue(), text(d.get("driver")))));
            return new Reply.GroupView(
                    new GroupId(in.get("view").intValue()),
                    in.get("ownerCnt").intValue(),
                    text(in.get("owner")),
                    text(in.get("domain")),
                    text(in.get("type")),
                    devices);
        }
        throw new IllegalArgumentException("not a recorded reply: " + text);
    }

    private static Optional<String> text(JsonNode node) {
        return node == null || node.isNull() ? Optional.empty() : Optional.of(node.textValue());
    }

    private static Handle handle(JsonNode node) {
        if (node.isNumber()) {
            return new Handle.Number(node.longValue());
        }
        return CommandText.handle(node.textValue())
                .orElseThrow(() -> new IllegalArgumentException("not an object token: " + node));
    }
}
