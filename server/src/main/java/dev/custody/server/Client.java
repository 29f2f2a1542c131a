package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.nativeio.libc.Received;

/**
 * What {@link Service} needs of one client, whatever carries its lines: a {@link Connection} on this
 * process's socket, or a session whose socket is on another node of a cluster ({@link InstanceControl}).
 * Its names, files, grant and credentials are the service's to use; how a message reaches the
 * client is the transport's.
 */
interface Client {
    String key();

    /** Who the client is, as the kernel of the node it connected to recorded it (SO_PEERCRED). */
    PeerCredentials peer();

    Grant grant();

    HandleTable table();

    boolean subscribed();

    void subscribe(boolean on);

    int nextStepNumber();

    /** Queues a message for the client, after the ones queued before it. */
    void send(JsonNode message);

    /**
     * Queues an answer that carries {@code descriptors} (SCM_RIGHTS); the client owns them from now on
     * and closes them once sent, or at once when it cannot send them.
     */
    void handOver(JsonNode answer, int[] descriptors);

    /**
     * The message the client sends after it was told to send its descriptors: one byte with SCM_RIGHTS,
     * read within {@code waitMillis}, from the request's own thread (nothing else reads meanwhile). The
     * caller owns the descriptors that arrived. A transport that carries none answers EOPNOTSUPP.
     */
    default Received receiveDescriptors(long waitMillis) {
        return new Received.Failed(95); // EOPNOTSUPP
    }
}
