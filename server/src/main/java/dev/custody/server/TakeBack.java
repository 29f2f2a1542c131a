package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.live.LiveHost;
import dev.custody.model.Command;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.nativeio.libc.ControlMessages;
import dev.custody.nativeio.libc.ErrnoNames;
import dev.custody.nativeio.libc.FileIdentity;
import dev.custody.nativeio.libc.Kcmp;
import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.Received;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files whose descriptors a holder's process took, and taking them back (docs/protocol.md,
 * "Giving the descriptors back"). While a file is out, the kernel keeps it (and the group it holds) as
 * long as that process keeps its copy, whatever the engine closes; so closing it, or releasing its
 * holder, is refused EBUSY until the process gives the descriptor back or says it closed its copies.
 * A descriptor given back is matched to the file handed out by fstat's identity and, where the engine
 * still holds its own, by kcmp (the same open file, not another open of it); one that is another file
 * refuses the whole request, and nothing changes.
 */
final class TakeBack {
    /** How long the server waits for the descriptors once it told the client to send them. */
    static final long WAIT_MILLIS = 10_000;

    private TakeBack() {}

    /** Why closing {@code file} of {@code table} is refused (EBUSY): it is out with the holder's process. */
    static Optional<String> busy(HandleTable table, FileId file) {
        return table.out(file)
                .map(out -> table.describe(file) + " is out with holder " + table.holderName()
                        + "'s process, which took its descriptor: the kernel keeps the file while that process holds it."
                        + " Give it back (holder.give-back-descriptors) or say the process closed it"
                        + " (holder.descriptors-closed) first");
    }

    /** Why releasing {@code table} is refused (EBUSY): some of its files are out with the holder's process. */
    static Optional<String> releaseBusy(HandleTable table) {
        if (table.out().isEmpty()) {
            return Optional.empty();
        }
        List<String> files = table.out().keySet().stream().map(table::describe).toList();
        return Optional.of("holder " + table.holderName() + "'s process holds the descriptors of "
                + String.join(", ", files)
                + ": the kernel keeps those files while it does. Give them back (holder.give-back-descriptors) or"
                + " say the process closed them (holder.descriptors-closed) first");
    }

    /** Refuses a close of a file that is out (EBUSY), or any use of one the engine holds no descriptor for (EBADF). */
    static void checkUse(HandleTable table, Command<?> command, List<Handle> referenced, JsonNode id) {
        if (command instanceof Command.Close close && close.fd() instanceof Handle.File file) {
            Optional<String> busy = busy(table, file.id());
            if (busy.isPresent()) {
                throw new ProtocolError("EBUSY", busy.get(), "server", id);
            }
        }
        for (Handle handle : referenced) {
            if (handle instanceof Handle.File file
                    && table.out(file.id()).filter(out -> !out.engineHolds()).isPresent()) {
                throw new ProtocolError(
                        "EBADF",
                        table.describe(file.id()) + ": the engine holds no descriptor for it since it restarted;"
                                + " holder " + table.holderName() + "'s process took it and may hold the only one."
                                + " It gives it back (holder.give-back-descriptors) before the engine can use it",
                        "server",
                        id);
            }
        }
    }

    /**
     * The files {@code arguments.files} names, each a number the table's holder took the descriptor of and
     * has not given back, in the order given (the order the descriptors travel in).
     */
    static List<FileId> named(HandleTable table, Request request) {
        JsonNode asked = request.arguments().get("files");
        if (asked == null || !asked.isArray() || asked.isEmpty()) {
            throw ProtocolError.invalid(
                    "arguments.files: the numbers of the files (as holder.take-descriptors listed them)", request.id());
        }
        if (asked.size() > ControlMessages.MOST_DESCRIPTORS) {
            throw new ProtocolError(
                    "E2BIG",
                    asked.size() + " files named; one message carries at most " + ControlMessages.MOST_DESCRIPTORS
                            + " descriptors",
                    "server",
                    request.id());
        }
        List<FileId> files = new ArrayList<>();
        for (JsonNode item : asked) {
            if (!item.isInt() || item.intValue() < 0) {
                throw ProtocolError.invalid("arguments.files: file numbers, not " + item, request.id());
            }
            FileId file = new FileId(item.intValue());
            if (files.contains(file)) {
                throw ProtocolError.invalid("arguments.files: file " + file.number() + " twice", request.id());
            }
            if (table.out(file).isEmpty()) {
                throw new ProtocolError(
                        "EBADF",
                        "file " + file.number() + " is not out with holder " + table.holderName()
                                + "'s process (holder.take-descriptors hands files out); nothing was changed",
                        "server",
                        request.id());
            }
            files.add(file);
        }
        return files;
    }

    /** The message that tells the client to send the descriptors now (one byte with SCM_RIGHTS). */
    static ObjectNode ready(int count, JsonNode id) {
        ObjectNode ready = Messages.NODES.objectNode();
        ready.putObject("send-descriptors").put("count", count);
        if (id != null) {
            ready.set("id", id);
        }
        return ready;
    }

    /**
     * The descriptors that came, exactly {@code count} of them; otherwise the request is refused with what
     * happened, and whatever did arrive is closed. The end of the stream is told apart before the count
     * is: it carries no descriptor, and would otherwise read as a byte that came without them.
     */
    static int[] arrived(Received got, int count, JsonNode id) {
        if (got instanceof Received.Message ended && ended.data().length == 0) {
            for (int fd : ended.descriptors()) {
                Libc.close(fd);
            }
            throw new ProtocolError(
                    "EPIPE", "the client closed the connection before its descriptors came", "server", id);
        }
        return switch (got.expecting(count)) {
            case Received.Message message -> message.descriptors();
            case Received.Refused refused ->
                throw new ProtocolError(
                        "EBADF",
                        refused.reason() + " (descriptors travel only with sendmsg's SCM_RIGHTS; one its sender"
                                + " had closed never arrives); nothing was given back",
                        "server",
                        id);
            case Received.Failed failed ->
                throw new ProtocolError(
                        failed.errno() == 11 ? "ETIMEDOUT" : "EIO",
                        failed.errno() == 11
                                ? "no descriptors came within " + WAIT_MILLIS / 1000
                                        + " s of send-descriptors; nothing was given back"
                                : "reading the descriptors failed: " + ErrnoNames.of(failed.errno())
                                        + "; nothing was given back",
                        "server",
                        id);
        };
    }

    /**
     * Checks that descriptor {@code i} is the file {@code files[i]} handed out: fstat's identity must be the
     * one recorded when it was taken. Any one that is not refuses the whole request and nothing changes;
     * the caller closes the descriptors on every path, this refusal's and any failure's.
     */
    static void match(HandleTable table, List<FileId> files, int[] descriptors, LiveHost host, JsonNode id) {
        for (int i = 0; i < files.size(); i++) {
            FileId file = files.get(i);
            Optional<HandleTable.Out> out = table.out(file);
            FileIdentity.Read read = FileIdentity.of(descriptors[i]);
            String problem = null;
            if (out.isEmpty()) {
                problem =
                        "file " + file.number() + " is no longer out with holder " + table.holderName() + "'s process";
            } else if (read.identity().isEmpty()) {
                problem = "descriptor " + (i + 1) + ", given back for " + table.describe(file)
                        + ", cannot be read (fstat: " + ErrnoNames.of(read.errno()) + ")";
            } else if (!read.identity().get().equals(out.get().identity())) {
                problem = "descriptor " + (i + 1) + ", given back for " + table.describe(file)
                        + ", is another file (" + read.identity().get().describe() + ") than the one handed out ("
                        + out.get().identity().describe() + ")";
            } else if (out.get().engineHolds()) {
                problem = anotherOpen(table, file, i, descriptors[i], host);
            }
            if (problem != null) {
                throw new ProtocolError("EBADF", problem + "; nothing was given back", "server", id);
            }
        }
    }

    /**
     * Where the engine still holds its own descriptor, whether the one given back is that same open file
     * (kcmp's KCMP_FILE): a second open of the same device node has the same identity but holds nothing
     * of what the first one does. Null when it is, or when the kernel cannot tell (the identity stands).
     */
    private static String anotherOpen(HandleTable table, FileId file, int index, int given, LiveHost host) {
        int engines = host.duplicate(file);
        if (engines < 0) {
            return null;
        }
        try {
            return Kcmp.sameOpenFile(engines, given) == 0
                    ? "descriptor " + (index + 1) + ", given back for " + table.describe(file)
                            + ", is the same file but another open of it (kcmp): not the descriptor handed out"
                    : null;
        } finally {
            Libc.close(engines);
        }
    }
}
