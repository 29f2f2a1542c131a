package dev.custody.server;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every {@link Client} keeps whatever carries its lines: its key, credentials, grant and table of
 * names, whether it asked for events, and its step count. The transports add how a message reaches
 * the client.
 */
abstract class ClientBase implements Client {
    private final String key;
    private final PeerCredentials peer;
    private final Grant grant;
    private final HandleTable table;
    private final AtomicInteger steps = new AtomicInteger();
    private volatile boolean subscribed;

    ClientBase(Service service, PeerCredentials peer, Grant grant) {
        this.key = service.nextConnectionKey();
        this.peer = peer;
        this.grant = grant;
        this.table = service.connectionTable(key, peer);
    }

    @Override
    public final String key() {
        return key;
    }

    @Override
    public final PeerCredentials peer() {
        return peer;
    }

    @Override
    public final Grant grant() {
        return grant;
    }

    @Override
    public final HandleTable table() {
        return table;
    }

    @Override
    public final boolean subscribed() {
        return subscribed;
    }

    @Override
    public final void subscribe(boolean on) {
        subscribed = on;
    }

    @Override
    public final int nextStepNumber() {
        return steps.incrementAndGet();
    }
}
