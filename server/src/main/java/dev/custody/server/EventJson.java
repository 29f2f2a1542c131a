package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.api.OwnershipChange;
import dev.custody.model.event.KernelEvent;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A journaled decision as the {@code DECISION} event's data: its number, operation id and events,
 * each event as {@code {"type": NAME, ...its fields}}. Identifiers with one field (a device's name, a
 * group's number) are written as that value; the events are records, so this needs no list of them.
 */
final class EventJson {
    private EventJson() {}

    static ObjectNode decision(OwnershipChange change) {
        ObjectNode data = Messages.NODES.objectNode();
        data.put("seq", change.seq());
        data.put("operation", change.operationId());
        ArrayNode events = data.putArray("events");
        for (KernelEvent event : change.events()) {
            ObjectNode node = events.addObject();
            node.put("type", event.getClass().getSimpleName());
            if (event instanceof Record record) {
                fields(node, record);
            }
        }
        return data;
    }

    private static void fields(ObjectNode node, Record value) {
        for (RecordComponent component : value.getClass().getRecordComponents()) {
            node.set(component.getName(), json(read(component, value)));
        }
    }

    /** Any value as JSON: records by their components, Optionals as their value or null, ids as their one field. */
    static JsonNode json(Object value) {
        return switch (value) {
            case null -> Messages.NODES.nullNode();
            case String s -> Messages.NODES.textNode(s);
            case Integer i -> Messages.NODES.numberNode(i);
            case Long l -> Messages.NODES.numberNode(l);
            case Boolean b -> Messages.NODES.booleanNode(b);
            case Number n -> Messages.NODES.numberNode(n.longValue());
            case Enum<?> e -> Messages.NODES.textNode(e.name());
            case Optional<?> o -> json(o.orElse(null));
            case OptionalLong o -> o.isPresent() ? Messages.NODES.numberNode(o.getAsLong()) : Messages.NODES.nullNode();
            case Collection<?> c -> {
                ArrayNode list = Messages.NODES.arrayNode();
                c.forEach(item -> list.add(json(item)));
                yield list;
            }
            case Map<?, ?> m -> {
                ObjectNode map = Messages.NODES.objectNode();
                m.forEach((k, v) -> map.set(String.valueOf(k instanceof Record r ? json(r).asText() : k), json(v)));
                yield map;
            }
            case Record r when isIdentifier(r) -> json(read(r.getClass().getRecordComponents()[0], r));
            case Record r -> {
                ObjectNode nested = Messages.NODES.objectNode();
                fields(nested, r);
                yield nested;
            }
            default -> Messages.NODES.textNode(value.toString());
        };
    }

    /** A record of one text or number field is an identifier (a device name, a group number). */
    private static boolean isIdentifier(Record value) {
        RecordComponent[] components = value.getClass().getRecordComponents();
        if (components.length != 1) {
            return false;
        }
        Class<?> type = components[0].getType();
        return type == String.class || type == int.class || type == long.class;
    }

    private static Object read(RecordComponent component, Record value) {
        try {
            return component.getAccessor().invoke(value);
        } catch (IllegalAccessException | InvocationTargetException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
