package dev.custody.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.custody.entity.KernelJournal;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Finds operations in the engine's coordinator journal by operation id, with the state each was
 * decided against (the journal folded up to it): how a restarted server learns whether a request it
 * never answered was decided, and what the answer was. Read-only, in a short-lived actor system,
 * before the engine starts. Part of the thin retry layer ({@link RetryCache}).
 */
final class JournalLookup {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    record Found(long seq, List<KernelEvent> events, KernelState before) {}

    private JournalLookup() {}

    /** A decision as an older journal (DecisionTaken) or one that records every message (Decided) holds it. */
    private static Object decision(Object record) {
        return record instanceof KernelJournal.Decided decided ? decided.taken() : record;
    }

    static Map<String, Found> find(Config journal, String instance, Set<String> operationIds) throws Exception {
        Map<String, Found> found = new HashMap<>();
        if (operationIds.isEmpty()) {
            return found;
        }
        Config config = journal.withFallback(ConfigFactory.parseString("""
                pekko.loglevel = WARNING
                pekko.log-dead-letters = off
                pekko.actor.allow-java-serialization = off
                pekko.coordinated-shutdown.exit-jvm = off
                """)).withFallback(ConfigFactory.load());
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "custody-serve-lookup", config);
        try {
            JdbcReadJournal query =
                    PersistenceQuery.get(system).getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
            List<EventEnvelope> envelopes = query.currentEventsByPersistenceId(instance + "|kernel", 0, Long.MAX_VALUE)
                    .runWith(Sink.seq(), system)
                    .toCompletableFuture()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            KernelState state = null;
            for (EventEnvelope envelope : envelopes) {
                if (envelope.event() instanceof KernelJournal.Started started) {
                    state = KernelState.empty(started.topology());
                } else if (decision(envelope.event()) instanceof KernelJournal.DecisionTaken taken && state != null) {
                    if (operationIds.contains(taken.operationId())) {
                        found.put(taken.operationId(), new Found(taken.seq(), taken.events(), state));
                    }
                    state = state.applyAll(taken.events());
                }
            }
            return found;
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
