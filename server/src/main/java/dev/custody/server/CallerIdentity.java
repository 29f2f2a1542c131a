package dev.custody.server;

/**
 * The caller of one request as the engine should record it beside the decision: who (the peer's
 * credentials), over which connection and, for a named holder, on whose behalf. Today the engine
 * takes only an operation id, so the server keeps this in its audit log; it is the value to hand to
 * the engine call once the engine journals callers.
 */
public record CallerIdentity(PeerCredentials peer, String connection, String holder) {}
