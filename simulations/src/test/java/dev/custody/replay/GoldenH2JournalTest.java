package dev.custody.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.entity.CoordinatorState;
import dev.custody.model.state.KernelState;
import dev.custody.persistence.Journals;
import dev.custody.persistence.KryoJournalSerializer;
import dev.custody.persistence.SchemaCreator;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The golden H2 journal ({@code golden-h2-journal/}, a few hundred decisions of {@link GoldenH2Workload}
 * written by the version its facts file names, before journal records were versioned) stays readable by
 * every later version: replay reads it to the state the pure model gave for the same calls, and the engine
 * recovers it to that same state. Never rewrite the files; a failure here means a change broke old journals.
 */
class GoldenH2JournalTest {
    static final String DIRECTORY = "golden-h2-journal/";
    static final String FACTS = "golden-h2-journal.properties";
    static final String MODEL_STATE = "model-state.bin";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path data;

    @Test
    void replayReadsItToTheModelsState() throws Exception {
        Config journal = Journals.h2(copyOfTheJournal());
        JournalHistory history = JournalReader.read(journal, GoldenH2Workload.INSTANCE);
        assertEquals(
                Long.parseLong(facts().getProperty("decisions")),
                history.decisions().size());
        assertEquals(Long.parseLong(facts().getProperty("events")), history.eventCount());
        assertEquals(GoldenH2Workload.topology(), history.topology());
        KernelState replayed = Replay.fold(history);
        assertEquals(modelState(), replayed);
        assertEquals(facts().getProperty("stateDigest"), StateDigest.of(replayed));
    }

    @Test
    void theEngineRecoversItToTheModelsState() throws Exception {
        Config journal = Journals.h2(copyOfTheJournal());
        SchemaCreator.createIfMissing(journal);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal)) {
            EngineAdmin engine = EngineAdmin.start(
                            runtime, GoldenH2Workload.INSTANCE, GoldenH2Workload.topology(), TIMEOUT)
                    .toCompletableFuture()
                    .join();
            engine.quiesce().toCompletableFuture().join();
            KernelState recovered = engine.state().toCompletableFuture().join();
            engine.stop().toCompletableFuture().join();
            assertEquals(modelState(), recovered);
            assertEquals(facts().getProperty("stateDigest"), StateDigest.of(recovered));
        }
    }

    /** A copy in a temporary directory: the engine writes to a journal it recovers. */
    private Path copyOfTheJournal() throws IOException {
        Files.write(data.resolve(Journals.H2_FILE + ".mv.db"), resource(Journals.H2_FILE + ".mv.db"));
        return data;
    }

    private static KernelState modelState() throws Exception {
        CoordinatorState snapshot =
                (CoordinatorState) new KryoJournalSerializer().fromBinary(resource(MODEL_STATE), "14");
        return snapshot.kernel().orElseThrow();
    }

    private static Properties facts() {
        Properties facts = new Properties();
        try {
            facts.load(new StringReader(new String(resource(FACTS), StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return facts;
    }

    static byte[] resource(String name) {
        try (InputStream in = GoldenH2JournalTest.class.getClassLoader().getResourceAsStream(DIRECTORY + name)) {
            if (in == null) {
                throw new IllegalStateException(DIRECTORY + name + " is missing from the test resources");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
