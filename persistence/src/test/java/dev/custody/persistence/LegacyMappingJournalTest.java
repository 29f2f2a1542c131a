package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.api.EngineRecoveryTest;
import dev.custody.api.PageTableAudit;
import dev.custody.entity.CoordinatorState;
import dev.custody.entity.EntityId;
import dev.custody.entity.EntityState;
import dev.custody.entity.EventRouting;
import dev.custody.entity.KernelJournal;
import dev.custody.entity.Stamped;
import dev.custody.model.event.DomainEvent;
import dev.custody.model.event.FileEvent;
import dev.custody.model.event.FileEvent.IoasAllowed;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.event.LegacyEvent;
import dev.custody.model.state.KernelState;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal written before mapping events carried their effect still recovers, to the state today's
 * rules reach. {@code legacy/mapping-decisions.bin} holds the decisions of {@link LegacyMappingWorkload}
 * as the engine journaled them then, written by that version (commit bea7f41) as an int count, then
 * each record as an int length and its Kryo bytes (manifest 11). Their map and unmap facts are
 * requests (ids 55, 56, 59, 61), upcast with the state they applied to wherever a journal is folded.
 */
class LegacyMappingJournalTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String INSTANCE = "legacy";
    /** The last decisions are left without their DecisionApplied, so the recovered coordinator drives them again. */
    private static final int LEFT_OPEN = 2;

    @TempDir
    Path data;

    @Test
    void theJournalHoldsEveryRequestFormAndNoEffectForm() {
        Set<Class<?>> kinds = legacyDecisions().stream()
                .flatMap(d -> d.events().stream())
                .map(Object::getClass)
                .collect(Collectors.toSet());
        assertTrue(kinds.containsAll(List.of(LegacyEvent.class.getPermittedSubclasses())), kinds.toString());
        for (Class<?> effect : List.of(
                DomainEvent.DomainLeavesMapped.class,
                DomainEvent.DomainLeavesUnmapped.class,
                DomainEvent.DomainRunsMapped.class,
                DomainEvent.DomainRunsUnmapped.class,
                FileEvent.Type1EntriesUnmapped.class,
                FileEvent.IoasAreasUnmapped.class)) {
            assertTrue(!kinds.contains(effect), effect.getSimpleName() + " did not exist when the journal was written");
        }
    }

    @Test
    void eachLegacyDecisionFoldsToTheStateAndEventsOfTodaysDecision() {
        List<KernelJournal.DecisionTaken> legacy = legacyDecisions();
        List<KernelJournal.DecisionTaken> current = LegacyMappingWorkload.decisions();
        assertEquals(current.size(), legacy.size(), "the same workload journals the same decisions");
        KernelState empty = KernelState.empty(LegacyMappingWorkload.machine());
        CoordinatorState fromLegacy = CoordinatorState.empty().started(empty);
        CoordinatorState fromCurrent = CoordinatorState.empty().started(empty);
        for (int n = 0; n < legacy.size(); n++) {
            KernelJournal.DecisionTaken old = legacy.get(n);
            KernelJournal.DecisionTaken now = current.get(n);
            assertEquals(now.seq(), old.seq());
            fromLegacy = fromLegacy.taken(old);
            fromCurrent = fromCurrent.taken(now);
            assertEquals(fromCurrent.kernel(), fromLegacy.kernel(), "after decision " + old.seq() + " " + old.events());
            // upcast, the requests become exactly the facts the rules emit today (allowed ranges are now sorted)
            assertEquals(
                    normalised(now.events()),
                    normalised(fromLegacy.open().get(old.seq()).events()),
                    "decision " + old.seq());
        }
    }

    @Test
    void everyEntityFoldsItsLegacyRecordsToTheStateOfTodaysRecords() {
        Map<EntityId, EntityState> fromLegacy = entityStates(legacyDecisions());
        Map<EntityId, EntityState> fromCurrent = entityStates(LegacyMappingWorkload.decisions());
        assertEquals(fromCurrent.keySet(), fromLegacy.keySet());
        fromCurrent.forEach((entity, state) -> assertEquals(state, fromLegacy.get(entity), entity.toString()));
    }

    /**
     * The legacy journal on H2, as the engine of that version left it (the last decisions still open),
     * started by today's engine: the coordinator, every entity and every domain's real page table come
     * back as today's rules make them, and the open decisions are driven to their entities again.
     */
    @Test
    void anEngineStartsFromTheLegacyJournal() {
        Config journal = Journals.h2(data).withFallback(ConfigFactory.parseString("custody.snapshot-every = 0"));
        SchemaCreator.createIfMissing(journal);
        writeLegacyJournal(journal);

        List<KernelJournal.DecisionTaken> current = LegacyMappingWorkload.decisions();
        KernelState expected = KernelState.empty(LegacyMappingWorkload.machine());
        for (KernelJournal.DecisionTaken decision : current) {
            expected = expected.applyAll(decision.events());
        }
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = EngineAdmin.start(runtime, INSTANCE, LegacyMappingWorkload.machine(), TIMEOUT)
                    .toCompletableFuture()
                    .join();
            engine.quiesce().toCompletableFuture().join();
            KernelState recovered = engine.state().toCompletableFuture().join();
            assertEquals(expected, recovered);
            EngineRecoveryTest.assertEntitiesMatch(engine, recovered);
            assertEquals(6, PageTableAudit.assertTablesMatchOwners(engine, recovered), "kd, c1, c1@dmar1, c2, H1, H2");
            engine.stop().toCompletableFuture().join();
        }
    }

    /** The coordinator's records and each entity's, as that version wrote them; no snapshots. */
    private void writeLegacyJournal(Config journal) {
        List<KernelJournal.DecisionTaken> legacy = legacyDecisions();
        int applied = legacy.size() - LEFT_OPEN;
        ActorTestKit kit = ActorTestKit.create(
                "legacy-" + UUID.randomUUID().toString().substring(0, 8), journal.withFallback(ConfigFactory.load()));
        try {
            TestProbe<String> failures = kit.createTestProbe();
            TestProbe<Done> done = kit.createTestProbe();
            ActorRef<RecordEntity.Command> coordinator = kit.spawn(RecordEntity.withoutSnapshots(
                    INSTANCE + "|kernel",
                    CoordinatorState.empty(),
                    KernelJournal.class,
                    LegacyMappingJournalTest::fold,
                    failures.ref()));
            List<KernelJournal> records = new ArrayList<>();
            records.add(new KernelJournal.Started(LegacyMappingWorkload.machine()));
            records.addAll(legacy);
            legacy.subList(0, applied).forEach(d -> records.add(new KernelJournal.DecisionApplied(d.seq())));
            records.forEach(record -> persist(coordinator, record, done));

            SortedMap<EntityId, List<Stamped>> byEntity = new TreeMap<>();
            for (KernelJournal.DecisionTaken decision : legacy.subList(0, applied)) {
                EventRouting.split(decision.events())
                        .forEach((entity, events) ->
                                events.forEach(event -> byEntity.computeIfAbsent(entity, e -> new ArrayList<>())
                                        .add(new Stamped(decision.seq(), event))));
            }
            byEntity.forEach((entity, stamped) -> {
                ActorRef<RecordEntity.Command> writer = kit.spawn(RecordEntity.withoutSnapshots(
                        entity.persistenceId(INSTANCE),
                        EntityState.initial(entity),
                        Stamped.class,
                        EntityState::apply,
                        failures.ref()));
                stamped.forEach(record -> persist(writer, record, done));
            });
            failures.expectNoMessage(Duration.ofMillis(100));
        } finally {
            kit.shutdownTestKit();
        }
    }

    private static void persist(ActorRef<RecordEntity.Command> writer, Object record, TestProbe<Done> done) {
        writer.tell(new RecordEntity.Persist((dev.custody.entity.JournalRecord) record, done.ref()));
        done.expectMessage(TIMEOUT, Done.getInstance());
    }

    private static CoordinatorState fold(CoordinatorState state, KernelJournal record) {
        return switch (record) {
            case KernelJournal.Header header -> state;
            case KernelJournal.Started started -> state.started(KernelState.empty(started.topology()));
            case KernelJournal.DecisionTaken taken -> state.taken(taken);
            case KernelJournal.DecisionApplied applied -> state.applied(applied.seq());
            default -> throw new IllegalArgumentException("this test writes only the older records: " + record);
        };
    }

    /** Each entity's state after folding its own records of every decision, as its actor recovers. */
    private static Map<EntityId, EntityState> entityStates(List<KernelJournal.DecisionTaken> decisions) {
        Map<EntityId, EntityState> states = new HashMap<>();
        for (KernelJournal.DecisionTaken decision : decisions) {
            EventRouting.split(decision.events())
                    .forEach((entity, events) -> events.forEach(event -> states.compute(
                            entity,
                            (e, state) -> (state == null ? EntityState.initial(e) : state)
                                    .apply(new Stamped(decision.seq(), event)))));
        }
        return states;
    }

    /** The one difference in form that is not a request: ALLOW_IOVAS now journals its ranges sorted. */
    private static List<KernelEvent> normalised(List<KernelEvent> events) {
        return events.stream()
                .map(e -> e instanceof IoasAllowed a
                        ? new IoasAllowed(
                                a.iommufd(),
                                a.ioas(),
                                a.ranges().stream().sorted().toList())
                        : e)
                .toList();
    }

    static List<KernelJournal.DecisionTaken> legacyDecisions() {
        KryoJournalSerializer serializer = new KryoJournalSerializer();
        try (InputStream resource = LegacyMappingJournalTest.class
                        .getClassLoader()
                        .getResourceAsStream("legacy/mapping-decisions.bin");
                DataInputStream in = new DataInputStream(resource)) {
            int count = in.readInt();
            List<KernelJournal.DecisionTaken> decisions = new ArrayList<>(count);
            for (int n = 0; n < count; n++) {
                byte[] bytes = in.readNBytes(in.readInt());
                decisions.add((KernelJournal.DecisionTaken) serializer.fromBinary(bytes, "11"));
            }
            return decisions;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
