package dev.custody.cluster;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * What the entity of an instance sends the node whose control socket a client connected to
 * ({@link ControlFront}): the lines of docs/protocol.md for that client, in order.
 */
public sealed interface ControlReply extends ControlFront.Message, ClusterMessage {

    /** The session is being opened by {@code entity}, which the front watches: its end ends the session. */
    record Opened(ActorRef<EngineShard.Message> entity, String node) implements ControlReply {}

    /** One line for the client: the greeting, an answer or an event. */
    record Line(String text) implements ControlReply {}

    /** The session is over: {@code line} (an error, or empty) is the client's last, then its connection closes. */
    record Ended(String line) implements ControlReply {}
}
