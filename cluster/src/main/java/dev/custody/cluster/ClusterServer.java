package dev.custody.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.custody.server.Limits;
import dev.custody.server.Policy;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A node as {@code custody serve --cluster} runs it: starts it, waits until it is an up member, then
 * creates its request socket ({@link ClusterSocket}), and runs until SIGTERM (leaving the cluster,
 * its instances handed off) or until the cluster stops it (downed, or refused when it joined).
 */
public final class ClusterServer {
    private ClusterServer() {}

    /** How long a node may take to join; the request socket is created only once it has. */
    public static final Duration JOIN_WAIT = Duration.ofSeconds(120);

    /** How long one request may wait for its engine (a first request also waits for its recovery). */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /** The control socket of docs/protocol.md a node opens besides its request socket, and its policy. */
    public record Control(Path socket, Policy policy, Limits limits) {}

    /**
     * Runs the node to its end; the exit status: 0 after SIGTERM, 1 when it could not start or join,
     * or was stopped by the cluster. {@code extra} goes in front of the node's Pekko settings.
     */
    public static int run(
            ClusterSettings settings,
            Config journal,
            String journalShown,
            Fleet fleet,
            Path socketPath,
            Config extra,
            PrintStream err) {
        return run(settings, journal, journalShown, fleet, socketPath, Optional.empty(), extra, err);
    }

    /**
     * As {@link #run(ClusterSettings, Config, String, Fleet, Path, Config, PrintStream)}, and with the
     * control socket of docs/protocol.md when {@code control} is given ({@link ClusterControlSocket}).
     */
    public static int run(
            ClusterSettings settings,
            Config journal,
            String journalShown,
            Fleet fleet,
            Path socketPath,
            Optional<Control> control,
            Config extra,
            PrintStream err) {
        ClusterNode node;
        try {
            // SIGTERM runs our hook, which leaves the cluster: Pekko must not stop itself on the same signal
            node = ClusterNode.start(
                    settings,
                    journal,
                    fleet,
                    REQUEST_TIMEOUT,
                    ConfigFactory.parseString("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off")
                            .withFallback(extra),
                    control.map(Control::policy).orElseGet(Policy::ownerOnly));
        } catch (RuntimeException failed) {
            err.println("custody serve: cannot start the cluster node: " + failed.getMessage());
            return 1;
        }
        try {
            node.up().toCompletableFuture().get(JOIN_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException | InterruptedException late) {
            err.println("custody serve: " + settings.address() + " did not join the cluster through "
                    + settings.seedNodes() + " within " + JOIN_WAIT.toSeconds() + " s (is the first seed node"
                    + " running? docs/cluster.md)");
            node.close();
            return 1;
        }
        ClusterSocket socket;
        Optional<ClusterControlSocket> controlSocket = Optional.empty();
        try {
            socket = ClusterSocket.start(socketPath, node.engines(), REQUEST_TIMEOUT);
            if (control.isPresent()) {
                Control c = control.get();
                try {
                    controlSocket = Optional.of(ClusterControlSocket.start(
                            c.socket(), node.engines(), c.policy(), c.limits(), REQUEST_TIMEOUT));
                } catch (java.io.IOException failed) {
                    socket.close();
                    throw failed;
                }
            }
        } catch (java.io.IOException failed) {
            err.println("custody serve: " + failed.getMessage());
            node.close();
            return 1;
        }
        Optional<ClusterControlSocket> controlToClose = controlSocket;
        AtomicBoolean leaving = new AtomicBoolean();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            leaving.set(true);
                            controlToClose.ifPresent(ClusterControlSocket::close);
                            socket.close();
                            node.close(); // leaves: its instances are handed off to the other nodes
                        },
                        "custody-serve-shutdown"));
        err.println("custody serve: cluster node " + settings.address() + " ready on " + socketPath
                + controlSocket.map(c -> " and " + c.path() + " (control)").orElse("") + " ("
                + fleet.instances().size() + " instances, seed nodes " + settings.seedNodes() + ", journal "
                + journalShown + ")");
        node.terminated().toCompletableFuture().join();
        controlSocket.ifPresent(ClusterControlSocket::close);
        socket.close();
        if (leaving.get()) {
            return 0;
        }
        err.println("custody serve: the cluster node " + settings.address() + " was stopped by the cluster"
                + " (downed, or refused when joining: see the log above)");
        return 1;
    }
}
