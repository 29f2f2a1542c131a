package dev.custody.server;

import java.util.List;

/**
 * Where a state log's records are kept: a file of JSON lines for a single server ({@link JsonLines}),
 * a database table on a cluster node, or nowhere. A record is one JSON object as text; each {@link
 * #append} has the record kept before it returns, since the answer it precedes is sent next.
 */
public interface StateRecords extends AutoCloseable {

    /** Keeps one record, after every record appended before it; throws when it cannot be kept. */
    void append(String record);

    /** Every whole record, in the order they were appended; none when nothing was kept yet. */
    List<String> readAll();

    /** Whether what is appended outlives this process (else the records go nowhere). */
    boolean durable();

    @Override
    void close();

    /** Records go nowhere: the state lives in memory only. */
    static StateRecords none() {
        return JsonLines.none();
    }
}
