package dev.custody.server;

import java.util.Optional;

/**
 * Where a policy denial is recorded. It never reaches the engine, whose journal holds only decisions
 * with events today; once the engine can journal a refused command with its caller, the
 * implementation to use is one that sends it there, so that the journal alone tells the whole story.
 * Until then it is {@link AuditLog}.
 */
interface RefusalRecorder {
    void refused(CallerIdentity caller, String execute, Optional<String> operationId, String reason);
}
