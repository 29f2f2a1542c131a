package dev.custody.cluster;

import dev.custody.entity.AnswerRecord;

/** What the entity of an engine instance answers a request with, from whichever node holds it. */
public sealed interface ShardReply extends ClusterMessage {

    /**
     * The engine's answer, on stable storage in the shared journal before it was sent: the result as
     * the scenario format names it, the reason of a refusal, the reply's value ({@link AnswerRecord}),
     * and the address of the node whose engine decided it.
     */
    record Answered(AnswerRecord answer, String node) implements ShardReply {}

    /** The request was not decided, or not known to be: the engine could not start, or could not journal it. */
    record Failed(String message, String node) implements ShardReply {}
}
