package dev.custody.server;

import static dev.custody.server.TakeBackTest.assertRefused;
import static dev.custody.server.TakeBackTest.giveBack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.live.AllowList;
import dev.custody.live.LiveHost;
import dev.custody.persistence.Journals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state log that cannot be written while descriptors change hands: the request is refused, no
 * descriptor is left open in the server, and a file whose "out" record was written before the failure
 * is recorded back, so it closes as any other. Ordinary files behind a stand-in for the kernel.
 */
@Timeout(120)
class TakeBackStateLogFailureTest {
    @TempDir
    Path directory;

    /** Records that fail from the {@code failAt}-th one of {@code type} on ({@code "t":"out"}, ...). */
    private static UnaryOperator<StateRecords> failing(String type, int failAt) {
        AtomicInteger seen = new AtomicInteger();
        return records -> new StateRecords() {
            @Override
            public void append(String record) {
                if (record.contains("\"t\":\"" + type + "\"") && seen.incrementAndGet() >= failAt) {
                    throw new java.io.UncheckedIOException(new IOException("the disk is full"));
                }
                records.append(record);
            }

            @Override
            public List<String> readAll() {
                return records.readAll();
            }

            @Override
            public boolean durable() {
                return records.durable();
            }

            @Override
            public void close() {
                records.close();
            }
        };
    }

    /** How many descriptors of this process (server and clients alike) are the kernel file {@code name}. */
    private long descriptorsOf(String name) throws IOException {
        Path file = directory.resolve("kernel").resolve(name).toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).equals(file);
                        } catch (IOException gone) {
                            return false; // the listing's own descriptor, or one closed meanwhile
                        }
                    })
                    .count();
        }
    }

    private interface Run {
        void with(ControlServer server, FileKernel kernel) throws Exception;
    }

    private void serve(UnaryOperator<StateRecords> records, Run run) throws Exception {
        Path kernelFiles = Files.createDirectories(directory.resolve("kernel"));
        PeerCredentials alice = PeerCredentials.of("alice", "users");
        try (FileKernel kernel = new FileKernel(kernelFiles);
                CustodyRuntime runtime = CustodyRuntime.start(Journals.inMemory())) {
            LiveHost host =
                    new LiveHost(kernel, AllowList.parse("group:1,group:2,group:3"), false, (s, c) -> List.of());
            EngineAdmin custody = EngineAdmin.start(
                            runtime, "state-log-failure", Topologies.threeGroups(), Duration.ofSeconds(30), host)
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            ServerSettings settings = ServerSettings.of(
                            directory.resolve("custody.sock"), "state-log-failure", Topologies.threeGroups())
                    .withPolicy(TakeBackTest.TWO_USERS)
                    .withState(Optional.of(directory.resolve("serve")), Optional.empty())
                    .withLive(host);
            try (ControlServer server = ControlServer.start(settings, custody, channel -> alice, records)) {
                run.with(server, kernel);
            } finally {
                custody.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aTakeWhoseSecondRecordFailsHandsNothingOverAndLeavesNothingOut() throws Exception {
        serve(failing("out", 2), (server, kernel) -> {
            try (DescriptorClient manager = new DescriptorClient(server.socket());
                    DescriptorClient qemu = new DescriptorClient(server.socket())) {
                TakeBackTest.openForVm42(manager);
                DescriptorClient.Answer refused =
                        qemu.call("{\"execute\": \"holder.take-descriptors\", \"holder\": \"vm-42\"}");
                assertEquals(
                        "EIO",
                        refused.message().at("/error/class").asText(),
                        refused.message().toString());
                assertEquals(0, refused.descriptors().length, "nothing was sent");
                JsonNode closed = manager.call("{\"execute\": \"holder.release\", \"holder\": \"vm-42\"}")
                        .message();
                assertTrue(closed.has("return"), "the group's \"out\" record was undone: " + closed);
                assertEquals(2, closed.at("/return/closed").size(), closed.toString());
                for (JsonNode file : closed.at("/return/closed")) {
                    assertEquals(
                            0, descriptorsOf("f" + file.asInt()), "no duplicate of file " + file + " was left open");
                }
            }
        });
    }

    @Test
    void aGiveBackWhoseRecordFailsClosesEveryDescriptorItWasGiven() throws Exception {
        serve(failing("back", 1), (server, kernel) -> {
            try (DescriptorClient manager = new DescriptorClient(server.socket());
                    DescriptorClient qemu = new DescriptorClient(server.socket())) {
                TakeBackTest.openForVm42(manager);
                TakeBackTest.Taken taken = TakeBackTest.take(qemu);
                // The connection's writer closes its duplicates just after sending them, so the process
                // can count before that. It sends the next answer only once it has: wait for one.
                qemu.call("{\"execute\": \"query-metrics\"}");
                long group = descriptorsOf("f" + taken.group());
                long container = descriptorsOf("f" + taken.container());
                assertEquals(2, group, "the engine's and the process's");
                JsonNode failed = qemu.giveBack(
                                giveBack("vm-42", taken.group(), taken.container()),
                                taken.groupFd(),
                                taken.containerFd())
                        .message();
                assertRefused("EIO", "the server failed", failed);
                assertEquals(group, descriptorsOf("f" + taken.group()), "the one given back was closed");
                assertEquals(container, descriptorsOf("f" + taken.container()), "the one given back was closed");
                assertRefused(
                        "EBUSY",
                        "is out with holder vm-42's process",
                        manager.call("{\"execute\": \"vfio.group.close\", \"arguments\": {\"fd\": \"g\"},"
                                        + " \"holder\": \"vm-42\"}")
                                .message());
            }
        });
    }
}
