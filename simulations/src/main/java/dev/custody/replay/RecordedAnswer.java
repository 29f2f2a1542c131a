package dev.custody.replay;

import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandRecord;
import java.time.Instant;

/**
 * A command the journal records as having changed nothing (a refusal, a query), decided against the
 * machine as decision {@code afterSeq} left it, with the time its row was written.
 */
public record RecordedAnswer(long afterSeq, CommandRecord command, AnswerRecord answer, Instant time) {}
