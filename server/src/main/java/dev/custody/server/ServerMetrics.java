package dev.custody.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.entity.StuckEntity;
import dev.custody.live.LiveHost;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The server's Micrometer meters (a Prometheus registry, scraped on 127.0.0.1 when a metrics port is
 * given): decisions, refusals by errno, the time a journaled decision takes (its journal writes),
 * operations the engine is deciding, connections, and the entities stuck on a journal they cannot
 * recover from. {@code query-metrics} answers from them too.
 */
final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter decisions;
    private final Counter journaled;
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();
    private final Timer journaledLatency;
    private final Timer answerLatency;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger deciding = new AtomicInteger();
    /** Descriptors handed to holders over the socket, live host mode only. */
    final java.util.concurrent.atomic.AtomicLong handedOver = new java.util.concurrent.atomic.AtomicLong();
    /** Descriptors the holders' processes gave back over the socket, matched to the files handed out. */
    final java.util.concurrent.atomic.AtomicLong givenBack = new java.util.concurrent.atomic.AtomicLong();

    private final Optional<LiveHost> live;

    /** Where the entities that cannot recover from their journals are asked for: the engine, once it serves. */
    private volatile Supplier<CompletionStage<List<StuckEntity>>> stuckSource =
            () -> CompletableFuture.completedFuture(List.of());
    /** The stuck entities as last asked: a gauge is read without waiting for the engine. */
    private volatile List<StuckEntity> stuck = List.of();

    ServerMetrics(String instance, Optional<LiveHost> live) {
        this.live = live;
        registry.config().commonTags("instance", instance);
        live.ifPresent(host -> {
            Gauge.builder("custody.host.carried", host, LiveHost::carriedOut)
                    .description("decisions carried out on the live host")
                    .register(registry);
            Gauge.builder("custody.host.drifts", host, LiveHost::drifts)
                    .description("kernel answers that were not the model's (live host mode)")
                    .register(registry);
            Gauge.builder("custody.host.outside", host, LiveHost::refusedOutsideAllowList)
                    .description("requests refused with EACCES: outside the allow-list")
                    .register(registry);
            Gauge.builder("custody.host.closed.at.start", host, LiveHost::closedAtStart)
                    .description("files the journal held that the start closed: their descriptors went with the"
                            + " previous process")
                    .register(registry);
            Gauge.builder("custody.host.handed.over", host, h -> handedOver.get())
                    .description("descriptors handed to holders over the socket (SCM_RIGHTS)")
                    .register(registry);
            Gauge.builder("custody.host.given.back", host, h -> givenBack.get())
                    .description("descriptors the holders' processes gave back over the socket (SCM_RIGHTS)")
                    .register(registry);
            Gauge.builder("custody.host.kept.at.start", host, LiveHost::keptAtStart)
                    .description("files the journal held that the start kept open: a holder's process took"
                            + " their descriptors")
                    .register(registry);
        });
        decisions = Counter.builder("custody.decisions")
                .description("operations the engine decided for clients")
                .register(registry);
        journaled = Counter.builder("custody.decisions.journaled")
                .description("decisions with events, journaled before they were answered")
                .register(registry);
        journaledLatency = Timer.builder("custody.decision.journaled")
                .description("from sending a journaled decision to the engine to its answer (its journal writes)")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        answerLatency = Timer.builder("custody.request")
                .description("from reading a request to writing its answer")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        Gauge.builder("custody.connections", connections, AtomicInteger::get)
                .description("open client connections")
                .register(registry);
        Gauge.builder("custody.decisions.open", deciding, AtomicInteger::get)
                .description("operations sent to the engine and not answered yet")
                .register(registry);
        Gauge.builder(
                        "custody.entities.stuck",
                        this,
                        metrics -> metrics.refreshStuck().size())
                .description("device, group, domain and file actors that cannot recover from their journals"
                        + " (as of the previous scrape or query-metrics)")
                .register(registry);
    }

    /** The engine is asked for its stuck entities from now on. */
    void stuckFrom(Supplier<CompletionStage<List<StuckEntity>>> source) {
        stuckSource = source;
    }

    /** The stuck entities last known; the engine is asked again for the next read. */
    private List<StuckEntity> refreshStuck() {
        stuckSource.get().thenAccept(now -> stuck = now);
        return stuck;
    }

    /** Asks the engine for its stuck entities and waits for the answer (query-metrics); keeps the last on a timeout. */
    void awaitStuck(Duration timeout) {
        try {
            stuck = stuckSource.get().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // the last answer stands; a coordinator that does not answer shows in openDecisions
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void decided(String result, boolean wasJournaled, long nanos) {
        decisions.increment();
        if (wasJournaled) {
            journaled.increment();
            journaledLatency.record(nanos, TimeUnit.NANOSECONDS);
        }
        if (!result.equals("ok") && !result.equals("PENDING") && !result.equals("WARN")) {
            refused(result);
        }
    }

    void refused(String errorClass) {
        refusals.computeIfAbsent(
                        errorClass,
                        c -> Counter.builder("custody.refusals")
                                .description("refused requests by errno")
                                .tag("errno", c)
                                .register(registry))
                .increment();
    }

    void answered(Duration took) {
        answerLatency.record(took);
    }

    String scrape() {
        return registry.scrape();
    }

    ObjectNode json() {
        ObjectNode node = Messages.NODES.objectNode();
        node.put("decisions", (long) decisions.count());
        node.put("journaled", (long) journaled.count());
        ObjectNode byErrno = node.putObject("refusals");
        refusals.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> byErrno.put(e.getKey(), (long) e.getValue().count()));
        node.set("journaledLatencyMs", latency(journaledLatency));
        node.set("requestLatencyMs", latency(answerLatency));
        node.put("openDecisions", deciding.get());
        node.put("connections", connections.get());
        com.fasterxml.jackson.databind.node.ArrayNode stuckNode = node.putArray("stuckEntities");
        for (StuckEntity entity : stuck) {
            ObjectNode one = stuckNode.addObject();
            one.put("persistenceId", entity.persistenceId());
            one.put("reason", entity.reason());
            one.put("failedRecoveries", entity.failedRecoveries());
            one.put("since", entity.since().toString());
        }
        live.ifPresent(host -> {
            ObjectNode onHost = node.putObject("host");
            onHost.put("dryRun", host.dryRun());
            onHost.put("carriedOut", host.carriedOut());
            onHost.put("drifts", host.drifts());
            onHost.put("outsideAllowList", host.refusedOutsideAllowList());
            onHost.put("closedAtStart", host.closedAtStart());
            onHost.put("handedOver", handedOver.get());
            onHost.put("givenBack", givenBack.get());
            onHost.put("keptAtStart", host.keptAtStart());
        });
        return node;
    }

    private static ObjectNode latency(Timer timer) {
        ObjectNode node = Messages.NODES.objectNode();
        HistogramSnapshot snapshot = timer.takeSnapshot();
        node.put("count", snapshot.count());
        for (ValueAtPercentile p : snapshot.percentileValues()) {
            node.put(p.percentile() == 0.5 ? "p50" : "p99", p.value(TimeUnit.MILLISECONDS));
        }
        node.put("max", snapshot.max(TimeUnit.MILLISECONDS));
        return node;
    }
}
