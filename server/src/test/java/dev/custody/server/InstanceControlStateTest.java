package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.model.state.OpenFile;
import dev.custody.persistence.Journals;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An instance's control service started again on the state records an earlier start left, as a node
 * that takes over an instance whose node died does: its named holders are back, a retry gets its first
 * answer, and the files of the sessions that died with the earlier start are closed.
 */
@Timeout(120)
class InstanceControlStateTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Records kept in a list: what a database table keeps across nodes, kept across two starts here. */
    private static final class ListedRecords implements StateRecords {
        final List<String> records = new ArrayList<>();

        @Override
        public synchronized void append(String record) {
            records.add(record);
        }

        @Override
        public synchronized List<String> readAll() {
            return List.copyOf(records);
        }

        @Override
        public boolean durable() {
            return true;
        }

        @Override
        public void close() {}
    }

    private static JsonNode answer(InstanceControl.Session session, List<String> out, String line) throws Exception {
        out.clear();
        session.answer(line);
        assertEquals(1, out.size(), "answers to " + line + ": " + out);
        return TestClient.JSON.readTree(out.getFirst());
    }

    @Test
    void holdersAnswersAndDeadSessionsFilesAreTakenOverByTheNextStart() throws Exception {
        String user = System.getProperty("user.name");
        PeerCredentials peer = PeerCredentials.of(user, user);
        ServerSettings settings = ServerSettings.of(Path.of(""), "taken-over", Topologies.threeGroups())
                .withEngineTimeout(TIMEOUT);
        ListedRecords records = new ListedRecords();
        try (CustodyRuntime runtime = CustodyRuntime.start(Journals.inMemory())) {
            EngineAdmin custody = EngineAdmin.start(runtime, "taken-over", settings.topology(), TIMEOUT)
                    .toCompletableFuture()
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            List<String> out = new ArrayList<>();
            InstanceControl first = InstanceControl.start(settings, custody, Optional.of("a"), records);
            InstanceControl.Session session = first.open(peer, user, out::add).orElseThrow();
            answer(
                    session,
                    out,
                    "{\"execute\": \"driver.bind\","
                            + " \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}");
            JsonNode firstOpen = answer(
                    session,
                    out,
                    "{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\","
                            + " \"holder\": \"vm\", \"opid\": \"open-g\", \"id\": 1}");
            assertTrue(firstOpen.has("return"), firstOpen.toString());
            JsonNode scratch = answer(session, out, "{\"execute\": \"iommufd.open\", \"as\": \"tmp\"}");
            assertTrue(scratch.has("return"), scratch.toString());
            first.abandon(); // its node died: nothing released, nothing more kept

            InstanceControl second = InstanceControl.start(settings, custody, Optional.of("b"), records);
            try {
                assertTrue(
                        custody.state()
                                .toCompletableFuture()
                                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                                .filesOf(OpenFile.IommufdFile.class)
                                .noneMatch(OpenFile::fdOpen),
                        "the file of the session that died with the first start is still open");
                InstanceControl.Session again =
                        second.open(peer, user, out::add).orElseThrow();
                JsonNode retried = answer(
                        again,
                        out,
                        "{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\","
                                + " \"holder\": \"vm\", \"opid\": \"open-g\", \"id\": 1}");
                assertEquals(firstOpen, retried, "a retry after the take-over got another answer");
                answer(again, out, "{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"holder\": \"vm\"}");
                JsonNode used = answer(
                        again,
                        out,
                        "{\"execute\": \"vfio.group.set_container\","
                                + " \"arguments\": {\"fd\": \"g\", \"container\": \"c\"}, \"holder\": \"vm\"}");
                assertTrue(used.has("return"), "the holder's name did not come back: " + used);
                JsonNode released = answer(again, out, "{\"execute\": \"holder.release\", \"holder\": \"vm\"}");
                assertEquals(2, released.at("/return/closed").size(), released.toString());
            } finally {
                second.close();
            }
        }
    }
}
