package dev.custody.replay;

import com.typesafe.config.Config;
import dev.custody.api.ActorEngine;
import dev.custody.api.ModelEngine;
import dev.custody.entity.CoordinatorState;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.Sorted;
import dev.custody.persistence.Journals;
import dev.custody.persistence.KryoJournalSerializer;
import dev.custody.persistence.SchemaCreator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a check: writes the golden H2 journal when {@code -Dcustody.golden-h2.write=DIR} is given (an
 * absolute directory that does not hold one yet). Run once, by the version whose journal it keeps:
 * {@code ./test -pl simulations -am -Dtest=GoldenH2JournalWriter -Dsurefire.failIfNoSpecifiedTests=false
 * -Dcustody.golden-h2.write=$PWD/simulations/src/test/resources/golden-h2-journal}. Never run it again
 * over the committed files: they are what that version wrote.
 */
class GoldenH2JournalWriter {
    @Test
    @EnabledIfSystemProperty(named = "custody.golden-h2.write", matches = ".+")
    void writeTheGoldenH2Journal() throws Exception {
        Path directory = Path.of(System.getProperty("custody.golden-h2.write"));
        if (Files.exists(directory.resolve(Journals.H2_FILE + ".mv.db"))) {
            throw new IllegalStateException(directory + " already holds a golden journal; it is never rewritten");
        }
        Files.createDirectories(directory);
        Config journal = Journals.h2(directory);
        SchemaCreator.createIfMissing(journal);
        try (ActorEngine engine = ActorEngine.onJournal(journal, GoldenH2Workload.INSTANCE, Duration.ofSeconds(60))) {
            GoldenH2Workload.run(engine);
            engine.admin().quiesce().toCompletableFuture().join();
        }
        // what H2 leaves is mostly free pages: compact it so the fixture stays small
        String db = "pekko-persistence-jdbc.shared-databases.slick.db.";
        try (Connection connection = DriverManager.getConnection(journal.getString(db + "url"), "sa", "");
                Statement statement = connection.createStatement()) {
            statement.execute("SHUTDOWN COMPACT");
        }
        KernelState model;
        try (ModelEngine engine = new ModelEngine()) {
            model = GoldenH2Workload.run(engine);
        }
        CoordinatorState snapshot = new CoordinatorState(Optional.of(model), 0, Sorted.emptyMap());
        Files.write(directory.resolve(GoldenH2JournalTest.MODEL_STATE), new KryoJournalSerializer().toBinary(snapshot));
        JournalHistory history = JournalReader.read(journal, GoldenH2Workload.INSTANCE);
        Files.writeString(directory.resolve(GoldenH2JournalTest.FACTS), """
                # The golden H2 journal: written once by the version named here, never rewritten.
                # GoldenH2Workload (seed %d, %d groups, %d calls) on the actor engine, instance "%s".
                # model-state.bin: the pure model's state after the same calls (a CoordinatorState, Kryo id 14).
                writtenBy=%s
                decisions=%d
                events=%d
                stateDigest=%s
                """.formatted(
                        GoldenH2Workload.SEED,
                        GoldenH2Workload.GROUPS,
                        GoldenH2Workload.CALLS,
                        GoldenH2Workload.INSTANCE,
                        System.getProperty("custody.golden-h2.writer", "unknown"),
                        history.decisions().size(),
                        history.eventCount(),
                        StateDigest.of(model)));
    }
}
