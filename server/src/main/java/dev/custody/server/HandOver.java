package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.live.LiveHost;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.nativeio.libc.ControlMessages;
import dev.custody.nativeio.libc.ErrnoNames;
import dev.custody.nativeio.libc.Libc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code holder.take-descriptors} (docs/protocol.md): the real descriptors live host mode holds for a
 * holder's open files, duplicated for the holder's process, with the answer that says which is which.
 * The files are the table's own, as a name means something only in its own table; which table the
 * request may use (its owner's) is the caller's check.
 */
final class HandOver {
    /** The descriptors, in the order they travel, and the answer's body naming them in that order. */
    record Taken(int[] descriptors, List<FileId> files, ObjectNode body) {}

    private HandOver() {}

    /** Why there are no real descriptors to hand over; empty in live host mode, when there are. */
    static Optional<String> unavailable(Optional<LiveHost> live) {
        if (live.isEmpty()) {
            return Optional.of("the engine is not in live host mode (serve --host): its files are the model's alone,"
                    + " and no real descriptor is held for them");
        }
        return live.get().withoutDescriptors();
    }

    /**
     * Duplicates the descriptors of the named files of {@code table} ({@code names} empty: every file it
     * holds open, in ascending number). Nothing is duplicated unless all are: a name that is no open file
     * of the table, or a file the host holds no descriptor for, refuses the whole request.
     */
    static Taken take(LiveHost host, HandleTable table, List<String> names, KernelState now, JsonNode id) {
        Map<FileId, List<String>> chosen = chosen(table, names, now, id);
        if (chosen.size() > ControlMessages.MOST_DESCRIPTORS) {
            throw new ProtocolError(
                    "E2BIG",
                    chosen.size() + " descriptors asked for; one message carries at most "
                            + ControlMessages.MOST_DESCRIPTORS + " (name some with arguments.names)",
                    "server",
                    id);
        }
        int[] duplicates = new int[chosen.size()];
        ObjectNode body = Messages.NODES.objectNode();
        ArrayNode list = body.putArray("descriptors");
        int index = 0;
        for (Map.Entry<FileId, List<String>> entry : chosen.entrySet()) {
            int fd = host.duplicate(entry.getKey());
            if (fd < 0) {
                for (int i = 0; i < index; i++) {
                    Libc.close(duplicates[i]);
                }
                throw new ProtocolError(
                        "EBADF",
                        "file " + entry.getKey().number() + " is open in the model, but the host holds no descriptor"
                                + " for it (" + ErrnoNames.of(-fd) + "): its open was not carried out as decided,"
                                + " or the engine restarted since a holder's process took it and has not had it"
                                + " back; nothing was handed over",
                        "server",
                        id);
            }
            duplicates[index++] = fd;
            ObjectNode item = list.addObject();
            item.put("file", entry.getKey().number());
            item.put("kind", kind(now.file(entry.getKey()).orElseThrow()));
            ArrayNode named = item.putArray("names");
            entry.getValue().forEach(named::add);
        }
        return new Taken(duplicates, List.copyOf(chosen.keySet()), body);
    }

    /** The files to hand over, each with the table's names for it, in ascending file number. */
    private static Map<FileId, List<String>> chosen(
            HandleTable table, List<String> names, KernelState now, JsonNode id) {
        Map<FileId, List<String>> chosen = new TreeMap<>();
        if (names.isEmpty()) {
            for (FileId file : table.files()) {
                if (now.file(file).map(OpenFile::fdOpen).orElse(false)) {
                    chosen.put(file, new ArrayList<>());
                }
            }
        } else {
            for (String name : names) {
                Handle handle = table.names().get(name);
                if (!(handle instanceof Handle.File file)
                        || !table.files().contains(file.id())
                        || !now.file(file.id()).map(OpenFile::fdOpen).orElse(false)) {
                    throw new ProtocolError(
                            "EBADF",
                            "arguments.names: \"" + name + "\" names no open file of "
                                    + (table.isHolder() ? "this holder" : "this connection"),
                            "server",
                            id);
                }
                chosen.put(file.id(), new ArrayList<>());
            }
        }
        table.names().forEach((name, handle) -> {
            if (handle instanceof Handle.File file && chosen.containsKey(file.id())) {
                chosen.get(file.id()).add(name);
            }
        });
        chosen.values().forEach(list -> list.sort(String::compareTo));
        return chosen;
    }

    static String kind(OpenFile file) {
        return switch (file) {
            case OpenFile.VfioContainer c -> "vfio-container";
            case OpenFile.VfioGroupFile g -> "vfio-group";
            case OpenFile.VfioDeviceFile d -> "vfio-device";
            case OpenFile.CdevFile c -> "vfio-cdev";
            case OpenFile.IommufdFile i -> "iommufd";
        };
    }
}
