package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.custody.entity.CoordinatorState;
import dev.custody.entity.KernelJournal;
import dev.custody.model.state.KernelState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A recovery read in many batches ({@link NamingJournalDao}) replays every row once, in order, also
 * when the last batch is full (then an empty one ends it) or not full, across the batches read ahead.
 * The batches here hold 5 rows; the journal's default is 10,000.
 */
class ReplayBatchesTest {
    private static final int BATCH = 5;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dataDirectory;

    private final String pid = "batches-" + UUID.randomUUID() + "|kernel";

    @ParameterizedTest(name = "{0} decisions")
    @ValueSource(ints = {4, 9, 12, 23})
    void everyRowIsReplayedOnceInOrder(int decisions) {
        List<KernelJournal> records = new ArrayList<>();
        records.add(new KernelJournal.Started(GoldenSamples.topology()));
        for (int seq = 1; seq <= decisions; seq++) {
            records.add(new KernelJournal.DecisionTaken(seq, "op-" + seq, List.of()));
        }
        CoordinatorState expected = CoordinatorState.empty();
        for (KernelJournal record : records) {
            expected = fold(expected, record);
        }

        ActorTestKit writer = start();
        try {
            TestProbe<Done> done = writer.createTestProbe();
            ActorRef<RecordEntity.Command> entity = spawn(writer);
            for (KernelJournal record : records) {
                entity.tell(new RecordEntity.Persist(record, done.ref()));
                done.expectMessage(WAIT, Done.getInstance());
            }
        } finally {
            writer.shutdownTestKit();
        }

        ActorTestKit reader = start();
        try {
            TestProbe<Object> state = reader.createTestProbe();
            spawn(reader).tell(new RecordEntity.Get(state.ref()));
            // every decision is in the recovered state's open decisions: one missing or repeated differs
            assertEquals(expected, state.receiveMessage(WAIT));
        } finally {
            reader.shutdownTestKit();
        }
    }

    private ActorRef<RecordEntity.Command> spawn(ActorTestKit kit) {
        TestProbe<String> failures = kit.createTestProbe();
        return kit.spawn(RecordEntity.withoutSnapshots(
                pid, CoordinatorState.empty(), KernelJournal.class, ReplayBatchesTest::fold, failures.ref()));
    }

    private ActorTestKit start() {
        Config config = Journals.h2(dataDirectory)
                .withValue(Journals.JOURNAL + ".replayBatchSize", ConfigValueFactory.fromAnyRef(BATCH))
                .withFallback(ConfigFactory.load());
        SchemaCreator.createIfMissing(config);
        return ActorTestKit.create("batches-" + UUID.randomUUID().toString().substring(0, 8), config);
    }

    private static CoordinatorState fold(CoordinatorState state, KernelJournal record) {
        return switch (record) {
            case KernelJournal.Started started -> state.started(KernelState.empty(started.topology()));
            case KernelJournal.DecisionTaken taken -> state.taken(taken);
            default -> throw new IllegalArgumentException("this test writes no other records: " + record);
        };
    }
}
