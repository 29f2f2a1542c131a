package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.nativeio.libc.FileIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads the state log a previous run of the server left: its holders with their names and files,
 * the answers it gave to requests with an opid, and the intents it recorded without an answer (the
 * run died between asking the engine and answering). What to do with each is {@link ControlServer}'s.
 */
final class ServerRecovery {

    /** An opid request the previous run sent (or was about to send) and never recorded an answer for. */
    record Dangling(
            String operationId,
            String table,
            String op,
            int number,
            ObjectNode step,
            String fingerprint,
            Map<String, Handle> names) {}

    record Recovered(
            Map<String, HandleTable> tables, Map<String, RetryCache.Answer> answers, List<Dangling> dangling) {}

    private ServerRecovery() {}

    static Recovered read(Path log) throws IOException {
        return read(JsonLines.read(log));
    }

    /** What the records of a state log, whole ones in the order written, hold. */
    static Recovered read(StateRecords log) {
        List<JsonNode> records = new java.util.ArrayList<>();
        for (String text : log.readAll()) {
            try {
                JsonNode node = Messages.JSON.readTree(text);
                if (node != null && node.isObject()) {
                    records.add(node);
                }
            } catch (IOException torn) {
                // not a whole record: skipped, as a line a crash cut short is
            }
        }
        return read(records);
    }

    static Recovered read(List<JsonNode> records) {
        Map<String, RetryCache.Answer> answers = new LinkedHashMap<>();
        for (JsonNode r : records) {
            if (r.path("t").asText().equals("answer")) {
                answers.put(
                        r.path("operation").asText(),
                        new RetryCache.Answer(r.path("fingerprint").asText(), (ObjectNode) r.get("answer")));
            }
        }
        Map<String, HandleTable> tables = new LinkedHashMap<>();
        Map<String, Dangling> dangling = new LinkedHashMap<>();
        for (JsonNode r : records) {
            String table = r.path("table").asText();
            switch (r.path("t").asText()) {
                case "table" ->
                    tables.put(table, new HandleTable(table, r.path("owner").asText()));
                case "bind" -> known(tables, table).bind(r.path("name").asText(), HandleCodec.read(r.get("handle")));
                case "file" ->
                    known(tables, table).opened(new FileId(r.path("file").intValue()));
                case "release" -> known(tables, table).markReleased();
                case "out" -> {
                    // the descriptor the previous run held went with it: the holder's process may hold the only one
                    try {
                        known(tables, table)
                                .handedOut(
                                        new FileId(r.path("file").intValue()),
                                        FileIdentity.parse(r.path("identity").asText()),
                                        false);
                    } catch (IllegalArgumentException torn) {
                        // not a record this server wrote: skipped, as a torn line is
                    }
                }
                case "back" ->
                    known(tables, table).back(new FileId(r.path("file").intValue()));
                case "intent" -> {
                    String operation = r.path("operation").asText();
                    if (!answers.containsKey(operation)) {
                        dangling.put(
                                operation,
                                new Dangling(
                                        operation,
                                        table,
                                        r.path("op").asText(),
                                        r.path("number").asInt(),
                                        (ObjectNode) r.get("step"),
                                        r.path("fingerprint").asText(),
                                        new HashMap<>(known(tables, table).names())));
                    }
                }
                default -> {
                    // answers were read above; an unknown record is from a newer server and is skipped
                }
            }
        }
        return new Recovered(tables, answers, List.copyOf(dangling.values()));
    }

    /**
     * The files whose descriptors the holders' processes took and had not given back when the previous
     * run ended, each with its holder's name: what a live engine keeps open at its start.
     */
    static Map<FileId, String> outWithHolders(Recovered recovered) {
        Map<FileId, String> out = new java.util.TreeMap<>();
        for (HandleTable table : recovered.tables().values()) {
            if (table.isHolder() && !table.released()) {
                table.out().keySet().forEach(file -> out.put(file, table.holderName()));
            }
        }
        return out;
    }

    /**
     * What the engine's journal recorded for the intents the previous run left without an answer,
     * when the server knows where that journal is (else nothing: the engine's own record of recent
     * operation ids answers their retries).
     */
    static Map<String, JournalLookup.Found> decidedInTheJournal(ServerSettings settings, Recovered recovered)
            throws Exception {
        if (settings.durableJournal().isEmpty()) {
            return Map.of();
        }
        return JournalLookup.find(
                settings.durableJournal().get(),
                settings.instance(),
                recovered.dangling().stream().map(Dangling::operationId).collect(Collectors.toSet()));
    }

    private static HandleTable known(Map<String, HandleTable> tables, String key) {
        return tables.computeIfAbsent(key, k -> new HandleTable(k, "(unknown)"));
    }
}
