package dev.custody.server;

import com.typesafe.config.Config;
import dev.custody.api.SystemView;
import dev.custody.live.LiveHost;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * How one {@code custody serve} runs.
 *
 * @param socket where the Unix socket is created (mode 0600 unless the policy widens it)
 * @param instance the engine instance; named in the greeting
 * @param topology the machine the engine governs; requests are validated against it
 * @param stateDirectory where the server keeps its holders, opid answers and audit log across its
 *     restarts; empty keeps them in memory (an in-memory journal does not outlive the process either)
 * @param durableJournal the journal's configuration when it outlives the process: after a crash,
 *     the server looks there for operations it sent but never recorded an answer for
 * @param metricsPort a Prometheus endpoint on 127.0.0.1 at this port (0: any free port)
 * @param stateView what {@code query-state} answers for a state
 * @param live the host the engine carries its decisions out on, in live host mode: {@code query-metrics}
 *     counts what it carried out, its drifts and its refusals by the allow-list
 */
public record ServerSettings(
        Path socket,
        String instance,
        Topology topology,
        Limits limits,
        Policy policy,
        Optional<Path> stateDirectory,
        Optional<Config> durableJournal,
        OptionalInt metricsPort,
        Duration engineTimeout,
        Function<KernelState, Object> stateView,
        String version,
        Optional<LiveHost> live) {

    public static final String VERSION = "0.1.0";

    /** In memory, owner only, default limits, no metrics endpoint. */
    public static ServerSettings of(Path socket, String instance, Topology topology) {
        return new ServerSettings(
                socket,
                instance,
                topology,
                Limits.defaults(),
                Policy.ownerOnly(),
                Optional.empty(),
                Optional.empty(),
                OptionalInt.empty(),
                Duration.ofSeconds(60),
                SystemView::of,
                VERSION,
                Optional.empty());
    }

    public ServerSettings withLimits(Limits value) {
        return new ServerSettings(
                socket,
                instance,
                topology,
                value,
                policy,
                stateDirectory,
                durableJournal,
                metricsPort,
                engineTimeout,
                stateView,
                version,
                live);
    }

    public ServerSettings withPolicy(Policy value) {
        return new ServerSettings(
                socket,
                instance,
                topology,
                limits,
                value,
                stateDirectory,
                durableJournal,
                metricsPort,
                engineTimeout,
                stateView,
                version,
                live);
    }

    public ServerSettings withState(Optional<Path> directory, Optional<Config> journal) {
        return new ServerSettings(
                socket,
                instance,
                topology,
                limits,
                policy,
                directory,
                journal,
                metricsPort,
                engineTimeout,
                stateView,
                version,
                live);
    }

    /** How long a request may wait for the engine's decision. */
    public ServerSettings withEngineTimeout(Duration value) {
        return new ServerSettings(
                socket,
                instance,
                topology,
                limits,
                policy,
                stateDirectory,
                durableJournal,
                metricsPort,
                value,
                stateView,
                version,
                live);
    }

    public ServerSettings withMetricsPort(OptionalInt port) {
        return new ServerSettings(
                socket,
                instance,
                topology,
                limits,
                policy,
                stateDirectory,
                durableJournal,
                port,
                engineTimeout,
                stateView,
                version,
                live);
    }

    public ServerSettings withStateView(Function<KernelState, Object> view) {
        return new ServerSettings(
                socket,
                instance,
                topology,
                limits,
                policy,
                stateDirectory,
                durableJournal,
                metricsPort,
                engineTimeout,
                view,
                version,
                live);
    }

    public ServerSettings withLive(LiveHost host) {
        return new ServerSettings(
                socket,
                instance,
                topology,
                limits,
                policy,
                stateDirectory,
                durableJournal,
                metricsPort,
                engineTimeout,
                stateView,
                version,
                Optional.of(host));
    }
}
