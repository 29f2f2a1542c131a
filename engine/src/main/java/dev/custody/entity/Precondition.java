package dev.custody.entity;

import dev.custody.model.state.KernelState;
import java.util.Optional;

/**
 * What the caller must hold for its command to be decided at all, checked by the coordinator
 * against the very state it decides on, so that no other decision comes between the check and the
 * command. The embedding API uses it for what the kernel's rules do not check because the kernel
 * trusts its in-kernel callers (only the owner releases its claim). A refusal is answered EPERM and
 * journaled as an unauthorized answer ({@link KernelJournal.Answered#unauthorized}), so that an audit
 * sees every attempt; the command never reached the kernel's rules, and a retry under the same
 * operation id checks again rather than getting the refusal back.
 */
@FunctionalInterface
public interface Precondition {
    /** Empty when the command may be decided, else why the caller may not send it. */
    Optional<String> refusal(KernelState now);

    Precondition NONE = now -> Optional.empty();
}
