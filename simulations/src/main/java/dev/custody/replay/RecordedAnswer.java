package dev.custody.replay;

import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandRecord;
import dev.custody.entity.HostRecord;
import dev.custody.entity.KernelJournal;
import java.time.Instant;
import java.util.Optional;

/**
 * A command the journal records as having changed nothing (a refusal, a query, or in live host mode a
 * call the kernel refused), decided against the machine as decision {@code afterSeq} left it, with the
 * time its row was written, what the host had to do with it, and whether it was refused for want of a
 * capability before the rules were asked ({@code unauthorized}).
 */
public record RecordedAnswer(
        long afterSeq,
        CommandRecord command,
        AnswerRecord answer,
        Instant time,
        Optional<HostRecord> host,
        boolean unauthorized) {

    /** An answer of an engine that carried nothing out on a host. */
    public RecordedAnswer(long afterSeq, CommandRecord command, AnswerRecord answer, Instant time) {
        this(afterSeq, command, answer, time, Optional.empty(), false);
    }

    /** The rules answered it: neither a missing capability nor the host's allow-list refused it first. */
    public boolean decidedByRules() {
        return KernelJournal.Answered.decidedByRules(unauthorized, host);
    }

    /** The result the caller was given and, when the host had its say, what it did ({@link HostText}). */
    public String givenResult() {
        return HostText.result(answer, host);
    }

    public String givenReason() {
        return HostText.reason(answer, host);
    }
}
