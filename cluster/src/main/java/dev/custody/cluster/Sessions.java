package dev.custody.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.server.InstanceControl;
import dev.custody.server.PeerCredentials;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The control sessions of one instance's entity: each client of docs/protocol.md that some node's
 * control socket accepted for this instance. A session's requests are answered one after another on
 * a virtual thread of its own (an answer waits for the engine, which an actor must not), and its lines
 * go to its front. Touched on the entity's thread only, except inside the sessions' own threads.
 */
final class Sessions {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a handoff waits for a session's request being answered before it closes the session. */
    private static final long DRAIN_SECONDS = 30;

    /**
     * The longest line a session relays between nodes, either way: Artery's largest message is
     * 256 KiB ({@code maximum-frame-size}), and a longer one would be dropped, leaving its client
     * waiting. A longer request is refused at the front, a longer answer replaced by an error.
     */
    static final int MAX_RELAYED_BYTES = 192 * 1024;

    private final InstanceControl control;
    private final ActorRef<EngineShard.Message> entity;
    private final String instance;
    private final String node;
    private final Map<String, Run> runs = new HashMap<>();

    /** A session's front, its serial executor, and the session once the policy let it open. */
    private static final class Run {
        final ActorRef<ControlReply> front;
        final ExecutorService serial;
        volatile InstanceControl.Session session;

        Run(ActorRef<ControlReply> front, String name) {
            this.front = front;
            this.serial = Executors.newSingleThreadExecutor(
                    Thread.ofVirtual().name(name).factory());
        }
    }

    Sessions(InstanceControl control, ActorRef<EngineShard.Message> entity, String instance, String node) {
        this.control = control;
        this.entity = entity;
        this.instance = instance;
        this.node = node;
    }

    void open(EngineShard.OpenSession open) {
        if (runs.containsKey(open.session())) {
            return; // a duplicate: the first one opens it
        }
        Run run = new Run(open.front(), "custody-session-" + instance);
        runs.put(open.session(), run);
        open.front().tell(new ControlReply.Opened(entity, node));
        run.serial.execute(() -> {
            Optional<InstanceControl.Session> opened = control.open(
                    PeerCredentials.of(open.user(), open.group()),
                    open.socketOwner(),
                    line -> open.front().tell(new ControlReply.Line(relayable(line))));
            if (opened.isEmpty()) {
                open.front().tell(new ControlReply.Ended("")); // the refusal was its line
            } else {
                run.session = opened.get();
            }
        });
    }

    void line(EngineShard.SessionLine line) {
        Run run = runs.get(line.session());
        if (run == null) {
            line.front()
                    .tell(new ControlReply.Ended(error(
                            "ESHUTDOWN",
                            "this connection's session is not open on engine " + instance + " at " + node
                                    + " (the instance moved or restarted): connect again")));
            return;
        }
        run.serial.execute(() -> {
            InstanceControl.Session session = run.session;
            if (session != null) {
                session.answer(line.line());
            }
        });
    }

    /** Closes a session after the requests it already sent; {@code front}, when given, hears the end. */
    void close(String session, ActorRef<ControlReply> front) {
        Run run = runs.remove(session);
        if (run == null) {
            if (front != null) {
                front.tell(new ControlReply.Ended(""));
            }
            return;
        }
        run.serial.execute(() -> {
            InstanceControl.Session opened = run.session;
            if (opened != null) {
                opened.close();
            }
            if (front != null) {
                front.tell(new ControlReply.Ended(""));
            }
        });
        run.serial.shutdown();
    }

    /**
     * The instance is moving (handoff, passivation): as a single server on SIGTERM, the requests
     * already sent are answered, each client is told why its connection ends, and its files are closed
     * in order. Completes once they are, off the entity's thread.
     */
    CompletionStage<Void> closeAll() {
        List<Run> all = new ArrayList<>(runs.values());
        runs.clear();
        String why = error(
                "ESHUTDOWN",
                "engine " + instance + " is moving off " + node
                        + " (handed off, or idle): connect again to reach it where it runs next");
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("custody-sessions-close-" + instance).start(() -> {
            try {
                for (Run run : all) {
                    run.serial.shutdown();
                    try {
                        run.serial.awaitTermination(DRAIN_SECONDS, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    run.front.tell(new ControlReply.Ended(why));
                }
                control.close();
                done.complete(null);
            } catch (RuntimeException failed) {
                done.completeExceptionally(failed);
            }
        });
        return done;
    }

    /** The node is stopping without a handoff: nothing more is answered, and nothing is released. */
    void abandon() {
        runs.values().forEach(run -> run.serial.shutdownNow());
        runs.clear();
        control.abandon();
    }

    /** The line, or an error saying it is too long to cross between nodes. */
    static String relayable(String line) {
        int bytes = line.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes <= MAX_RELAYED_BYTES) {
            return line;
        }
        return error(
                "EMSGSIZE",
                "an answer of " + bytes + " bytes is more than a cluster node relays (" + MAX_RELAYED_BYTES
                        + "); ask for less (the state operation answers for one object)");
    }

    /** An error line of docs/protocol.md, from the server. */
    static String error(String errorClass, String desc) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("class", errorClass);
        error.put("desc", desc);
        error.put("origin", "server");
        return root.toString();
    }
}
