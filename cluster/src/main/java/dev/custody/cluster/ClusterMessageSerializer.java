package dev.custody.cluster;

import dev.custody.entity.AnswerRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * The wire form of {@link ClusterMessage}s: a one-letter manifest and the message's strings, each a
 * length and UTF-8 bytes. A command travels as its {@code CommandText}, an answer as its {@link
 * AnswerRecord}'s strings: the forms the journal already keeps readable across versions, so nodes of
 * two builds that share a journal also share a wire format. Anything that does not parse is refused
 * with a {@link NotSerializableException} naming what was wrong.
 */
public final class ClusterMessageSerializer extends SerializerWithStringManifest {
    /** Fixed forever: in every message of this kind on the wire ("CUSC"). */
    public static final int IDENTIFIER = 0x43555343;

    /** The longest string a message may carry: a command or an answer is a few hundred bytes. */
    static final int MAX_STRING_BYTES = 1 << 20;

    private static final String DECIDE = "D";
    private static final String ANSWERED = "A";
    private static final String FAILED = "F";
    private static final String OPEN_SESSION = "O";
    private static final String SESSION_LINE = "L";
    private static final String CLOSE_SESSION = "C";
    private static final String OPENED = "o";
    private static final String LINE = "l";
    private static final String ENDED = "e";

    private final ActorRefResolver refs;

    public ClusterMessageSerializer(ExtendedActorSystem system) {
        this.refs = ActorRefResolver.get(Adapter.toTyped(system));
    }

    @Override
    public int identifier() {
        return IDENTIFIER;
    }

    @Override
    public String manifest(Object message) {
        return switch (message) {
            case EngineShard.Decide d -> DECIDE;
            case ShardReply.Answered a -> ANSWERED;
            case ShardReply.Failed f -> FAILED;
            case EngineShard.OpenSession o -> OPEN_SESSION;
            case EngineShard.SessionLine l -> SESSION_LINE;
            case EngineShard.CloseSession c -> CLOSE_SESSION;
            case ControlReply.Opened o -> OPENED;
            case ControlReply.Line l -> LINE;
            case ControlReply.Ended e -> ENDED;
            default -> throw new IllegalArgumentException("not a cluster message: " + message.getClass());
        };
    }

    @Override
    public byte[] toBinary(Object message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            switch (message) {
                case EngineShard.Decide d -> {
                    write(out, d.command());
                    write(out, d.caller());
                    write(out, d.operationId());
                    write(out, refs.toSerializationFormat(d.replyTo()));
                }
                case ShardReply.Answered a -> {
                    write(out, a.answer().result());
                    write(out, a.answer().reason());
                    write(out, a.answer().value());
                    write(out, a.node());
                }
                case ShardReply.Failed f -> {
                    write(out, f.message());
                    write(out, f.node());
                }
                case EngineShard.OpenSession o -> {
                    write(out, o.session());
                    write(out, o.user());
                    write(out, o.group());
                    write(out, o.socketOwner());
                    write(out, refs.toSerializationFormat(o.front()));
                }
                case EngineShard.SessionLine l -> {
                    write(out, l.session());
                    write(out, l.line());
                    write(out, refs.toSerializationFormat(l.front()));
                }
                case EngineShard.CloseSession c -> {
                    write(out, c.session());
                    write(out, refs.toSerializationFormat(c.front()));
                }
                case ControlReply.Opened o -> {
                    write(out, refs.toSerializationFormat(o.entity()));
                    write(out, o.node());
                }
                case ControlReply.Line l -> write(out, l.text());
                case ControlReply.Ended e -> write(out, e.line());
                default -> throw new IllegalArgumentException("not a cluster message: " + message.getClass());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            Object message = switch (manifest) {
                case DECIDE -> {
                    String command = read(in);
                    String caller = read(in);
                    String operationId = read(in);
                    ActorRef<ShardReply> replyTo = refs.resolveActorRef(read(in));
                    yield new EngineShard.Decide(command, caller, operationId, replyTo);
                }
                case ANSWERED -> new ShardReply.Answered(new AnswerRecord(read(in), read(in), read(in)), read(in));
                case FAILED -> new ShardReply.Failed(read(in), read(in));
                case OPEN_SESSION ->
                    new EngineShard.OpenSession(
                            read(in), read(in), read(in), read(in), refs.<ControlReply>resolveActorRef(read(in)));
                case SESSION_LINE ->
                    new EngineShard.SessionLine(read(in), read(in), refs.<ControlReply>resolveActorRef(read(in)));
                case CLOSE_SESSION ->
                    new EngineShard.CloseSession(read(in), refs.<ControlReply>resolveActorRef(read(in)));
                case OPENED -> new ControlReply.Opened(refs.<EngineShard.Message>resolveActorRef(read(in)), read(in));
                case LINE -> new ControlReply.Line(read(in));
                case ENDED -> new ControlReply.Ended(read(in));
                default -> throw new NotSerializableException("unknown cluster message manifest \"" + manifest + "\"");
            };
            if (in.available() > 0) {
                throw new NotSerializableException(
                        in.available() + " bytes left over after a cluster message of manifest " + manifest);
            }
            return message;
        } catch (NotSerializableException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new NotSerializableException(
                    "cannot read a cluster message of manifest " + manifest + ": " + e.getMessage());
        }
    }

    private static void write(DataOutputStream out, String text) throws IOException {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_STRING_BYTES) {
            throw new IllegalArgumentException("a cluster message string of " + utf8.length + " bytes is too long");
        }
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String read(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_STRING_BYTES || length > in.available()) {
            throw new IOException("a string of " + length + " bytes where " + in.available() + " are left");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
