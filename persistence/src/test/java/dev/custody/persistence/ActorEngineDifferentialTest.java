package dev.custody.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.custody.api.ActorEngine;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EntityAudit;
import dev.custody.api.KernelEngine;
import dev.custody.api.ModelEngine;
import dev.custody.api.PageTableAudit;
import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandText;
import dev.custody.entity.EntityId;
import dev.custody.entity.EventRouting;
import dev.custody.entity.KernelJournal;
import dev.custody.entity.Stamped;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioParser;
import dev.custody.scenario.ScenarioRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every scenario file of the repository through the journaled actors on an H2 file, against the pure
 * model. The answers must be the model's, but the actors answer with what the coordinator's rules
 * decided, so that alone cannot see a lost or misrouted event. So each run is also compared where it
 * ends up: the coordinator's journal, read back through Kryo from the H2 file, holds the model's
 * commands, answers and events in the model's order; each device, group, domain and file actor's
 * journal holds exactly the model's events for it; and after a stop and a start, which recovers every
 * actor from those rows, the engine's state, each entity's own state and each real page table are the
 * model's.
 */
class ActorEngineDifferentialTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.db.";

    @TempDir
    static Path data;

    private static Config journal;
    private static CustodyRuntime runtime;

    @BeforeAll
    static void startRuntime() {
        journal = Journals.h2(data);
        SchemaCreator.createIfMissing(journal);
        runtime = CustodyRuntime.start(journal);
    }

    @AfterAll
    static void stopRuntime() {
        runtime.close();
    }

    @TestFactory
    Stream<DynamicTest> actorsPersistAndRecoverWhatTheModelDecides() throws Exception {
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Path.of("../engine/src/test/resources/scenarios"), Path.of("../examples"))) {
            try (Stream<Path> listed = Files.list(dir)) {
                listed.filter(p -> p.toString().endsWith(".json")).sorted().forEach(files::add);
            }
        }
        assertTrue(files.size() > 50, "expected the scenario corpus");
        return files.stream()
                .map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
                    Scenario scenario = ScenarioParser.parse(file.toString(), Files.readString(file));
                    Recording model = new Recording(new ModelEngine());
                    List<ObjectNode> modelLines = new ArrayList<>();
                    ScenarioRunner.run(scenario, model, modelLines::add);

                    String instance = "diff-" + file.getFileName().toString().replace(".json", "");
                    try (ActorEngine actors = new ActorEngine(runtime, instance, TIMEOUT)) {
                        List<ObjectNode> actorLines = new ArrayList<>();
                        ScenarioRunner.run(scenario, actors, actorLines::add);
                        assertEquals(modelLines, actorLines, file + ": the printed lines");
                        if (!model.booted()) {
                            return; // a topology that does not boot leaves no journal to compare
                        }
                        actors.restart(); // every actor stops and recovers from its rows in the H2 file

                        assertEquals(
                                expectedCoordinatorRecords(model), coordinatorRecords(instance), file + ": journal");
                        assertEquals(
                                expectedEntityRows(model, instance), entityRows(instance), file + ": entity journals");
                        KernelState expected = model.state();
                        assertEquals(expected, actors.state(), file + ": the recovered state");
                        assertEquals(List.of(), EntityAudit.compare(actors.admin(), expected, 5), file + ": entities");
                        PageTableAudit.assertTablesMatchOwners(actors.admin(), expected);
                    }
                }));
    }

    /** The model's decisions as the coordinator journals them: numbered if they changed something. */
    private static List<String> expectedCoordinatorRecords(Recording model) {
        List<String> records = new ArrayList<>();
        long seq = 0;
        for (Recorded step : model.steps) {
            if (step.command == null) {
                records.add(decided(++seq, CommandText.BOOT, step.decision));
            } else if (!step.decision.events().isEmpty()) {
                records.add(decided(++seq, CommandText.write(step.command), step.decision));
            } else {
                records.add("answered after " + seq + ": " + CommandText.write(step.command) + " -> "
                        + AnswerRecord.of(step.decision.outcome()));
            }
        }
        return records;
    }

    private static String decided(long seq, String command, Decision decision) {
        return "decided " + seq + ": " + command + " -> " + AnswerRecord.of(decision.outcome()) + " "
                + decision.events();
    }

    private static List<String> coordinatorRecords(String instance) throws Exception {
        List<String> records = new ArrayList<>();
        for (Object row : rows(instance + "|kernel").values().iterator().next()) {
            switch (row) {
                case KernelJournal.Decided d ->
                    records.add("decided " + d.seq() + ": " + d.command().command() + " -> " + d.answer() + " "
                            + d.events());
                case KernelJournal.Answered a ->
                    records.add("answered after " + a.afterSeq() + ": "
                            + a.command().command() + " -> " + a.answer());
                default -> {} // the header, the topology, the marks of how far the entities are
            }
        }
        return records;
    }

    /** What each entity's journal must hold: its events of every decision, stamped with the decision. */
    private static Map<String, List<Object>> expectedEntityRows(Recording model, String instance) {
        Map<String, List<Object>> rows = new TreeMap<>();
        long seq = 0;
        for (Recorded step : model.steps) {
            if (step.decision.events().isEmpty()) {
                continue;
            }
            seq++;
            for (Map.Entry<EntityId, List<KernelEvent>> entity :
                    EventRouting.split(step.decision.events()).entrySet()) {
                List<Object> own =
                        rows.computeIfAbsent(entity.getKey().persistenceId(instance), k -> new ArrayList<>());
                for (KernelEvent event : entity.getValue()) {
                    own.add(new Stamped(seq, event));
                }
            }
        }
        return rows;
    }

    private static Map<String, List<Object>> entityRows(String instance) throws Exception {
        Map<String, List<Object>> rows = rows(instance + "|%");
        rows.remove(instance + "|kernel");
        return rows;
    }

    /** The journal rows of the persistence ids matching {@code pattern}, deserialized by the journal's Kryo. */
    private static Map<String, List<Object>> rows(String pattern) throws Exception {
        KryoJournalSerializer kryo = new KryoJournalSerializer();
        Map<String, List<Object>> rows = new TreeMap<>();
        try (Connection connection = DriverManager.getConnection(
                        journal.getString(DB + "url"),
                        journal.getString(DB + "user"),
                        journal.getString(DB + "password"));
                PreparedStatement select =
                        connection.prepareStatement("select \"persistence_id\", \"event_ser_manifest\","
                                + " \"event_payload\" from \"event_journal\" where \"persistence_id\" like ? escape '!'"
                                + " order by \"persistence_id\", \"sequence_number\"")) {
            select.setString(1, pattern.replace("!", "!!").replace("_", "!_"));
            try (ResultSet result = select.executeQuery()) {
                while (result.next()) {
                    rows.computeIfAbsent(result.getString(1), k -> new ArrayList<>())
                            .add(kryo.fromBinary(result.getBytes(3), result.getString(2)));
                }
            }
        }
        return rows;
    }

    private record Recorded(Command<?> command, Decision decision) {}

    /** The model, keeping each decision it made (the boot's with no command). */
    private static final class Recording implements KernelEngine {
        private final ModelEngine model;
        final List<Recorded> steps = new ArrayList<>();

        Recording(ModelEngine model) {
            this.model = model;
        }

        boolean booted() {
            return !steps.isEmpty() && steps.getFirst().decision.outcome().isOk();
        }

        @Override
        public Decision boot(Topology topology) {
            Decision boot = model.boot(topology);
            steps.add(new Recorded(null, boot));
            return boot;
        }

        @Override
        public CompletionStage<Decision> submit(Command<?> command, String operationId) {
            return CompletableFuture.completedFuture(decide(command, operationId));
        }

        @Override
        public Decision decide(Command<?> command, String operationId) {
            Decision decision = model.decide(command, operationId);
            steps.add(new Recorded(command, decision));
            return decision;
        }

        @Override
        public KernelState state() {
            return model.state();
        }

        @Override
        public void close() {}
    }
}
