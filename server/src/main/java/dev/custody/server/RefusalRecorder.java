package dev.custody.server;

import java.util.Optional;

/**
 * Where a policy denial is recorded. It never reaches the engine, whose journal holds only decisions
 * with events today; once the engine can journal a refused command with its caller, the
 * implementation to use is one that sends it there, so that the journal alone tells the whole story.
 * Until then it is {@link AuditLog}.
 */
interface RefusalRecorder {
    /** A policy denial: EACCES. */
    default void refused(CallerIdentity caller, String execute, Optional<String> operationId, String reason) {
        refused(caller, execute, operationId, "EACCES", "policy", reason);
    }

    /** A denial with its class and origin: EPERM from the server for another user's holder's descriptors. */
    void refused(
            CallerIdentity caller,
            String execute,
            Optional<String> operationId,
            String errorClass,
            String origin,
            String reason);
}
