package dev.custody.server;

import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.nativeio.libc.FileIdentity;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The names one holder has given with {@code "as"}, and every file it opened, named or not. A
 * connection has one; a named holder has one that outlives its connections. Requests on one table
 * are taken one at a time (its lock), so names bind in the order the requests were made.
 */
final class HandleTable {
    private final String key;
    private final String owner;
    private final Map<String, Handle> names = new HashMap<>();
    private final TreeSet<FileId> files = new TreeSet<>();
    private boolean released;
    final ReentrantLock lock = new ReentrantLock();

    /** {@code key}: {@code holder:NAME} or {@code connection:BOOT:N}; {@code owner}: the user it belongs to. */
    HandleTable(String key, String owner) {
        this.key = key;
        this.owner = owner;
    }

    String key() {
        return key;
    }

    String owner() {
        return owner;
    }

    boolean isHolder() {
        return key.startsWith(HOLDER_PREFIX);
    }

    static final String HOLDER_PREFIX = "holder:";

    /** The live name table, read by the step reader; changed only under {@link #lock}. */
    Map<String, Handle> names() {
        return names;
    }

    void bind(String name, Handle handle) {
        names.put(name, handle);
    }

    void opened(FileId file) {
        files.add(file);
    }

    /** Every file opened through this table, in ascending number: the order the kernel closes a dead process's fds. */
    List<FileId> files() {
        return List.copyOf(files);
    }

    boolean released() {
        return released;
    }

    void markReleased() {
        released = true;
        names.clear();
        files.clear();
        out.clear();
    }

    /**
     * A file whose descriptor the holder's process took ({@code holder.take-descriptors}), as fstat named
     * it then. {@code engineHolds}: the engine holds its own descriptor for it too (false after a
     * restart: the previous process's went with it, and the holder's process may hold the only one).
     */
    record Out(FileIdentity identity, boolean engineHolds) {}

    private final Map<FileId, Out> out = new TreeMap<>();

    /** The files out with the holder's process, in ascending number. */
    Map<FileId, Out> out() {
        return java.util.Collections.unmodifiableMap(out);
    }

    Optional<Out> out(FileId file) {
        return Optional.ofNullable(out.get(file));
    }

    void handedOut(FileId file, FileIdentity identity, boolean engineHolds) {
        out.put(file, new Out(identity, engineHolds));
    }

    /** The file is no longer out: given back, or its process said it closed its copies. */
    void back(FileId file) {
        out.remove(file);
    }

    /** A name of this table for {@code file} (for messages): "g", or "file 7" when it has none. */
    String describe(FileId file) {
        return names.entrySet().stream()
                .filter(e -> e.getValue() instanceof Handle.File f && f.id().equals(file))
                .map(Map.Entry::getKey)
                .sorted()
                .findFirst()
                .map(name -> "file " + file.number() + " (\"" + name + "\")")
                .orElse("file " + file.number());
    }

    /** The holder's name, or the table's key for a connection. */
    String holderName() {
        return isHolder() ? key.substring(HOLDER_PREFIX.length()) : key;
    }
}
