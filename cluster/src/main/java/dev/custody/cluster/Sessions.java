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
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The control sessions of one instance's entity: each client of docs/protocol.md that some node's
 * control socket accepted for this instance. A session's requests are answered one after another on
 * a virtual thread of its own (an answer waits for the engine, which an actor must not), and its lines
 * go to its front. Touched on the entity's thread only, except inside the sessions' own threads.
 */
final class Sessions {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * How long a handoff waits for the sessions' requests to be answered and their files closed; a
     * session's close runs after its last request whatever the wait, so no file is released under an
     * answer still being given.
     */
    private static final long DRAIN_SECONDS = 30;

    /**
     * The most requests a session may have waiting unanswered. A single server reads a client's next
     * request only after answering the last; here lines arrive as fast as the client writes, so a
     * client that sends without waiting is cut off rather than queued without end.
     */
    static final int MAX_WAITING_REQUESTS = 256;

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
    /** Sessions closed but maybe still answering: a handoff waits for them too before the engine stops. */
    private final List<Run> closing = new ArrayList<>();

    /** A session's front, its serial executor, and the session once the policy let it open. */
    private static final class Run {
        final ActorRef<ControlReply> front;
        final ExecutorService serial;
        final AtomicInteger waiting = new AtomicInteger();
        volatile InstanceControl.Session session;

        boolean finished() {
            return serial.isTerminated();
        }

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
        if (run.waiting.incrementAndGet() > MAX_WAITING_REQUESTS) {
            runs.remove(line.session());
            closeAfterItsRequests(
                    run,
                    error(
                            "EAGAIN",
                            "more than " + MAX_WAITING_REQUESTS + " requests wait unanswered on engine " + instance
                                    + ": send the next once the last is answered; disconnecting"));
            return;
        }
        run.serial.execute(() -> {
            try {
                InstanceControl.Session session = run.session;
                if (session != null) {
                    session.answer(line.line());
                }
            } finally {
                run.waiting.decrementAndGet();
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
        closeAfterItsRequests(run, front == null ? null : "");
    }

    /**
     * Closes the session on its own thread, so after the requests it already sent; its front hears
     * {@code last} as the end ({@code ""} for none), or nothing when {@code last} is null (it is gone).
     */
    private void closeAfterItsRequests(Run run, String last) {
        closing.removeIf(Run::finished);
        closing.add(run);
        run.serial.execute(() -> {
            InstanceControl.Session opened = run.session;
            if (opened != null) {
                opened.close();
            }
            if (last != null) {
                run.front.tell(new ControlReply.Ended(last));
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
        List<Run> open = new ArrayList<>(runs.values());
        List<Run> all = new ArrayList<>(open);
        all.addAll(closing);
        runs.clear();
        closing.clear();
        String why = error(
                "ESHUTDOWN",
                "engine " + instance + " is moving off " + node
                        + " (handed off, or idle): connect again to reach it where it runs next");
        open.forEach(run -> closeAfterItsRequests(run, why));
        closing.clear();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("custody-sessions-close-" + instance).start(() -> {
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
                for (Run run : all) {
                    try {
                        run.serial.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
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
        closing.forEach(run -> run.serial.shutdownNow());
        runs.clear();
        closing.clear();
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
