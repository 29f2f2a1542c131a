package dev.custody.replay;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.custody.entity.JournalFormat;
import dev.custody.entity.KernelJournal;
import dev.custody.model.Topology;
import dev.custody.persistence.JournalSpec;
import dev.custody.persistence.ReadOnlyJournal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Reads one engine's coordinator journal through persistence query (the JDBC read journal), in a
 * short-lived actor system of its own: read-only, so it never re-drives or appends anything, and it
 * lets go of the database (an embedded H2 file admits one process) as soon as it is done.
 */
public final class JournalReader {
    private JournalReader() {}

    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    /** The persistence id of an instance's coordinator (KernelCoordinator's). */
    public static String coordinatorId(String instance) {
        return instance + "|kernel";
    }

    /**
     * The history of {@code instance}, or, when none is named, of the journal's only engine instance
     * (with several: the one named {@value JournalSpec#DEFAULT_INSTANCE}, else a refusal naming them all).
     */
    public static JournalHistory read(Config journal, Optional<String> instance) {
        if (instance.isPresent()) {
            return read(journal, instance.get());
        }
        if (!ReadOnlyJournal.applies(journal)) {
            return read(journal, JournalSpec.DEFAULT_INSTANCE);
        }
        List<String> instances;
        try (ReadOnlyJournal evidence = ReadOnlyJournal.open(journal)) {
            instances = JdbcJournalRows.instances(evidence.connection());
        } catch (Exception e) {
            throw new BadJournal("cannot read the journal: " + rootMessage(e));
        }
        if (instances.size() == 1) {
            return readRows(journal, instances.getFirst());
        }
        if (instances.isEmpty()) {
            throw new BadJournal("the journal holds no engine");
        }
        if (instances.contains(JournalSpec.DEFAULT_INSTANCE)) {
            return readRows(journal, JournalSpec.DEFAULT_INSTANCE);
        }
        throw new BadJournal("the journal holds " + instances.size() + " engine instances; name one with --instance: "
                + String.join(", ", instances));
    }

    public static JournalHistory read(Config journal, String instance) {
        if (ReadOnlyJournal.applies(journal)) {
            return readRows(journal, instance);
        }
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "custody-replay", settings(journal));
        try {
            JdbcReadJournal query =
                    PersistenceQuery.get(system).getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
            List<EventEnvelope> envelopes = query.currentEventsByPersistenceId(
                            coordinatorId(instance), 0, Long.MAX_VALUE)
                    .runWith(Sink.seq(), system)
                    .toCompletableFuture()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (envelopes.isEmpty()) {
                List<String> instances = instances(query, system);
                throw new BadJournal("no journal of engine instance \"" + instance + "\" (persistence id "
                        + coordinatorId(instance) + ")"
                        + (instances.isEmpty()
                                ? "; the journal holds no engine"
                                : "; instances present: " + String.join(", ", instances)));
            }
            return history(instance, envelopes);
        } catch (BadJournal bad) {
            throw bad;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new BadJournal("cannot read the journal: " + rootMessage(e));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new BadJournal("reading the journal took longer than " + TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadJournal("interrupted while reading the journal");
        } catch (Exception e) {
            throw new BadJournal("cannot read the journal: " + rootMessage(e));
        } finally {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().join();
        }
    }

    /**
     * A JDBC journal (H2, PostgreSQL): its rows read directly, in large fetches, from a {@link
     * ReadOnlyJournal}, so the journal under investigation does not change by a byte.
     */
    private static JournalHistory readRows(Config journal, String instance) {
        try (ReadOnlyJournal evidence = ReadOnlyJournal.open(journal)) {
            List<EventEnvelope> envelopes = JdbcJournalRows.read(evidence.connection(), coordinatorId(instance));
            if (envelopes.isEmpty()) {
                List<String> instances = JdbcJournalRows.instances(evidence.connection());
                throw new BadJournal("no journal of engine instance \"" + instance + "\" (persistence id "
                        + coordinatorId(instance) + ")"
                        + (instances.isEmpty()
                                ? "; the journal holds no engine"
                                : "; instances present: " + String.join(", ", instances)));
            }
            return history(instance, envelopes);
        } catch (BadJournal bad) {
            throw bad;
        } catch (Exception e) {
            throw new BadJournal("cannot read the journal: " + rootMessage(e));
        }
    }

    private static JournalHistory history(String instance, List<EventEnvelope> envelopes) {
        Optional<KernelJournal.Header> header = Optional.empty();
        Optional<Topology> topology = Optional.empty();
        Instant started = Instant.EPOCH;
        List<RecordedDecision> decisions = new ArrayList<>();
        List<RecordedAnswer> answered = new ArrayList<>();
        Set<Long> applied = new HashSet<>();
        long appliedThrough = 0;
        for (EventEnvelope envelope : envelopes) {
            Instant time = Instant.ofEpochMilli(envelope.timestamp());
            switch (envelope.event()) {
                case KernelJournal.Header h -> {
                    if (header.isPresent() || topology.isPresent()) {
                        throw new BadJournal("record " + envelope.sequenceNr() + " of " + coordinatorId(instance)
                                + ": a Header after the journal began");
                    }
                    try {
                        JournalFormat.requireReadable(h);
                    } catch (IllegalStateException newer) {
                        throw new BadJournal("record " + envelope.sequenceNr() + " of " + coordinatorId(instance) + ": "
                                + newer.getMessage());
                    }
                    header = Optional.of(h);
                }
                case KernelJournal.Started s -> {
                    if (topology.isPresent()) {
                        throw new BadJournal("record " + envelope.sequenceNr() + " of " + coordinatorId(instance)
                                + ": a second Started record");
                    }
                    topology = Optional.of(s.topology());
                    started = time;
                }
                case KernelJournal.DecisionTaken t -> {
                    if (topology.isEmpty()) {
                        throw new BadJournal("record " + envelope.sequenceNr() + " of " + coordinatorId(instance)
                                + ": decision " + t.seq() + " before the Started record");
                    }
                    long expected = decisions.size() + 1L;
                    if (t.seq() != expected) {
                        throw new BadJournal("record " + envelope.sequenceNr() + " of " + coordinatorId(instance)
                                + ": decision " + t.seq() + " (" + t.operationId() + ") where decision " + expected
                                + " was due");
                    }
                    decisions.add(new RecordedDecision(t.seq(), t.operationId(), t.events(), time));
                }
                case KernelJournal.Decided d -> {
                    if (topology.isEmpty()) {
                        throw new BadJournal("record " + envelope.sequenceNr() + ": decision " + d.seq()
                                + " before the Started record");
                    }
                    long expected = decisions.size() + 1L;
                    if (d.seq() != expected) {
                        throw new BadJournal("record " + envelope.sequenceNr() + ": decision " + d.seq() + " ("
                                + d.command().operationId() + ") where decision " + expected + " was due");
                    }
                    decisions.add(new RecordedDecision(
                            d.seq(),
                            d.command().operationId(),
                            d.events(),
                            time,
                            Optional.of(d.command()),
                            Optional.of(d.answer()),
                            d.host()));
                }
                case KernelJournal.Answered a ->
                    answered.add(new RecordedAnswer(
                            a.afterSeq(), a.command(), a.answer(), time, a.host(), a.unauthorized()));
                case KernelJournal.DecisionApplied a -> applied.add(a.seq());
                case KernelJournal.AppliedThrough a -> appliedThrough = Math.max(appliedThrough, a.seq());
                default ->
                    throw new BadJournal("record " + envelope.sequenceNr() + " of " + coordinatorId(instance)
                            + ": not a coordinator record: "
                            + envelope.event().getClass().getName());
            }
        }
        return new JournalHistory(
                instance,
                topology.orElseThrow(() -> new BadJournal("no Started record")),
                started,
                decisions,
                applied,
                appliedThrough,
                answered,
                header);
    }

    private static List<String> instances(JdbcReadJournal query, ActorSystem<Void> system) throws Exception {
        return query.currentPersistenceIds()
                .filter(id -> id.endsWith("|kernel"))
                .map(id -> id.substring(0, id.length() - "|kernel".length()))
                .runWith(Sink.seq(), system)
                .toCompletableFuture()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Config settings(Config journal) {
        return journal.withFallback(ConfigFactory.parseString("""
                pekko.loglevel = WARNING
                pekko.log-dead-letters = off
                pekko.actor.allow-java-serialization = off
                pekko.coordinated-shutdown.exit-jvm = off
                """)).withFallback(ConfigFactory.load());
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
