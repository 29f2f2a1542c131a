package dev.custody.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simulate --hosts N --nodes M}: the fleet's hosts run as cluster instances on M node JVMs,
 * each host's agents and checks here; and the options it cannot run with are refused before any
 * node starts.
 */
class SimulateNodesTest {
    static final String URL = "CUSTODY_TEST_POSTGRES_URL";

    @TempDir
    Path dir;

    @Test
    void nodesNeedASharedPostgresJournal() {
        CliRun run = CliRun.of("simulate", "--hosts", "2", "--nodes", "2", "--journal", "memory");
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("--nodes 2 needs the journal every node shares"), run.err());
        run = CliRun.of("simulate", "--hosts", "2", "--nodes", "0");
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("--nodes must be at least 1"), run.err());
        run = CliRun.of(
                "simulate", "--hosts", "2", "--nodes", "2", "--engine", "rules", "--journal", "jdbc:postgresql://x/y");
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("no --engine rules"), run.err());
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // two node JVMs joining and 4 hosts' runs on a loaded machine
    void everyHostRunsAndIsCheckedOnInstancesSpreadOverTwoNodes() throws Exception {
        String url = System.getenv(URL);
        Assumptions.assumeTrue(
                url != null,
                "skipped: no PostgreSQL (" + URL + " is not set); ./test starts a throwaway server for this test");
        String user = System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_USER", "postgres");
        Path password = dir.resolve("password");
        Files.writeString(password, System.getenv().getOrDefault("CUSTODY_TEST_POSTGRES_PASSWORD", ""));
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
        String journal = url + "?user=" + user + "&passwordFile=" + password;

        CliRun run = CliRun.of(
                "simulate",
                "--hosts",
                "4",
                "--nodes",
                "2",
                "--ops",
                "150",
                "--groups",
                "8",
                "--seed",
                "7",
                "--journal",
                journal,
                "--json");

        assertEquals(0, run.status(), run.out() + run.err());
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertEquals(4, report.get("hosts").asInt(), run.out());
        assertEquals(2, report.get("nodes").asInt(), run.out());
        assertEquals(0, report.get("violations").asInt(), run.out());
        Set<String> decidedOn = new TreeSet<>();
        for (JsonNode host : report.get("perHost")) {
            assertEquals(150, host.get("operations").asLong(), "every host ran its operations: " + host);
            assertTrue(host.get("checks").asLong() >= 150, "every decision was checked: " + host);
            assertTrue(host.get("violation").isNull(), host.toString());
            assertEquals(1, host.get("nodes").size(), "no node left, so no instance moved: " + host);
            host.get("nodes").forEach(node -> decidedOn.add(node.asText()));
        }
        assertEquals(2, decidedOn.size(), "the hosts' instances are spread over both nodes: " + run.out());
        assertEquals(2, report.get("nodeExits").size(), "both nodes were stopped and waited for: " + run.out());
    }
}
