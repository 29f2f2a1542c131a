package dev.custody.entity;

/**
 * What the host itself had to do with a command, in live host mode. {@code kind} is one of
 * {@link #CARRIED_OUT} (then {@code action} is the guest agent's line that was performed, as the
 * operation catalogue renders it), {@link #DRY_RUN} (the line that would have been), {@link #SEEN} (a
 * change seen on the host behind the engine's back, described) or {@link #OUTSIDE_ALLOW_LIST} (refused
 * before the model decided, naming what is outside). {@code kernel} is the kernel's answer, which the
 * caller was given; the record's own {@code answer} stays the model's, so a replay re-deciding the
 * command checks the model against itself and the two answers side by side show a drift.
 */
public record HostRecord(String kind, String action, AnswerRecord kernel) {
    public static final String CARRIED_OUT = "carried-out";
    public static final String DRY_RUN = "dry-run";
    public static final String SEEN = "seen";
    public static final String OUTSIDE_ALLOW_LIST = "outside-allow-list";

    /**
     * The kernel answered otherwise than the model: drift. Only a call the kernel made or a change it showed
     * can drift. A call carried out also drifts when both said ok with different values (the value of the
     * kernel's ok is the model's except where the kernel's own tells more: a probe's driver, an IOAS map's
     * IOVA, see LiveHost), or when the kernel's ok carries a reason: what the host showed right after the
     * call at odds with the model (an IOAS map's allowed ranges).
     */
    public boolean drifted(AnswerRecord model) {
        if (!kind.equals(CARRIED_OUT) && !kind.equals(SEEN)) {
            return false;
        }
        return !kernel.result().equals(model.result())
                || (kind.equals(CARRIED_OUT)
                        && kernel.ok()
                        && (!kernel.value().equals(model.value())
                                || !kernel.reason().isEmpty()));
    }

    /** The kernel refused what the model had accepted: the model's events did not happen. */
    public boolean kernelRefused() {
        return kernel.errno().isPresent();
    }

    /** The rules decided the command (everything but a refusal by the allow-list, which comes first). */
    public boolean decidedByRules() {
        return !kind.equals(OUTSIDE_ALLOW_LIST);
    }
}
