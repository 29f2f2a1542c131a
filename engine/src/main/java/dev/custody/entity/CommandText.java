package dev.custody.entity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.Command;
import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.model.ObjectId;
import dev.custody.ops.Operations;
import java.util.AbstractMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A command as the journal records it: the operation catalogue's scenario step ({@link
 * Operations#write}), with every object named by a canonical token instead of a scenario name, so
 * that the text reads back as the same command in any later version that still knows the operation.
 * Tokens: {@code fd:7} (a file), {@code domain:3}, {@code obj:7.2} (iommufd object 2 of file 7),
 * {@code unbound:NAME} (a name whose creating step failed); a raw number stays a number.
 */
public final class CommandText {
    private CommandText() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The step of the machine's boot, which no operation makes. */
    public static final String BOOT = "{\"op\":\"boot\"}";

    public static String write(Command<?> command) {
        return Operations.write(command, CommandText::token).toString();
    }

    /** The command a text of {@link #write} names; an error names what could not be read. */
    public static Command<?> read(String text) {
        JsonNode step;
        try {
            step = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a recorded command: " + text + " (" + e.getOriginalMessage() + ")");
        }
        if (!(step instanceof ObjectNode object) || !step.path("op").isTextual()) {
            throw new IllegalArgumentException("not a recorded command (no op): " + text);
        }
        try {
            return Operations.read(object.get("op").textValue(), 0, object, TOKENS);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot read the recorded command " + text + ": " + e.getMessage(), e);
        }
    }

    /** The operation's name in a recorded command, without reading the rest. */
    public static Optional<String> operation(String text) {
        try {
            JsonNode op = JSON.readTree(text).path("op");
            return op.isTextual() ? Optional.of(op.textValue()) : Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    static JsonNode token(Handle handle) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        return switch (handle) {
            case Handle.File f -> json.textNode("fd:" + f.id().number());
            case Handle.Domain d -> json.textNode("domain:" + d.id().number());
            case Handle.IommufdObject o -> json.textNode("obj:" + o.iommufd().number() + "." + o.id().number());
            case Handle.Number n -> json.numberNode(n.value());
            case Handle.Unbound u -> json.textNode("unbound:" + u.name());
        };
    }

    /** The handle a token names; empty for text that is no token. */
    static Optional<Handle> handle(String token) {
        int colon = token.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        String kind = token.substring(0, colon);
        String rest = token.substring(colon + 1);
        try {
            return switch (kind) {
                case "fd" -> Optional.of(new Handle.File(new FileId(Integer.parseInt(rest))));
                case "domain" -> Optional.of(new Handle.Domain(new DomainId(Integer.parseInt(rest))));
                case "obj" -> {
                    int dot = rest.indexOf('.');
                    yield dot < 0
                            ? Optional.empty()
                            : Optional.of(new Handle.IommufdObject(
                                    new FileId(Integer.parseInt(rest.substring(0, dot))),
                                    new ObjectId(Integer.parseInt(rest.substring(dot + 1)))));
                }
                case "unbound" -> Optional.of(new Handle.Unbound(rest));
                default -> Optional.empty();
            };
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** What the step reader resolves names with: every token, parsed when it is asked for. */
    private static final Map<String, Handle> TOKENS = new AbstractMap<>() {
        @Override
        public Handle get(Object key) {
            return key instanceof String token ? handle(token).orElse(null) : null;
        }

        @Override
        public boolean containsKey(Object key) {
            return get(key) != null;
        }

        @Override
        public Set<Entry<String, Handle>> entrySet() {
            return Set.of(); // tokens are parsed, never listed
        }
    };
}
