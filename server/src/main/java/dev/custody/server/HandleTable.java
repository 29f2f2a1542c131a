package dev.custody.server;

import dev.custody.model.FileId;
import dev.custody.model.Handle;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    }
}
