package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.model.ObjectId;

/** A handle as the server's state log writes it: what a name was bound to. */
final class HandleCodec {
    private HandleCodec() {}

    static ObjectNode write(Handle handle) {
        ObjectNode node = Messages.NODES.objectNode();
        switch (handle) {
            case Handle.File f -> node.put("file", f.id().number());
            case Handle.Domain d -> node.put("domain", d.id().number());
            case Handle.IommufdObject o ->
                node.put("iommufd", o.iommufd().number()).put("object", o.id().number());
            case Handle.Number n -> node.put("number", n.value());
            case Handle.Unbound u -> node.put("unbound", u.name());
        }
        return node;
    }

    static Handle read(JsonNode node) {
        if (node.has("file")) {
            return new Handle.File(new FileId(node.get("file").intValue()));
        }
        if (node.has("domain")) {
            return new Handle.Domain(new DomainId(node.get("domain").intValue()));
        }
        if (node.has("iommufd")) {
            return new Handle.IommufdObject(
                    new FileId(node.get("iommufd").intValue()),
                    new ObjectId(node.get("object").intValue()));
        }
        if (node.has("number")) {
            return new Handle.Number(node.get("number").longValue());
        }
        return new Handle.Unbound(node.path("unbound").asText());
    }
}
