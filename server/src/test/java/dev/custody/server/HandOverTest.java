package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.live.AllowList;
import dev.custody.live.LiveHost;
import dev.custody.nativeio.libc.LibcIo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * holder.take-descriptors: in live host mode a holder's process takes the real descriptors behind its
 * files over the socket (SCM_RIGHTS), here ordinary files that a stand-in for the kernel opened; only
 * the holder's owner may; outside live mode there are none, and the answer says why.
 */
@Timeout(120)
class HandOverTest {
    private static final Policy TWO_USERS = Policy.parse("test-policy", json("""
            {"rules": [{"user": "alice", "may": "act", "groups": "all"},
                       {"user": "mallory", "may": "act", "groups": "all"}]}
            """));

    @TempDir
    Path kernelFiles;

    private final AtomicReference<PeerCredentials> next = new AtomicReference<>(PeerCredentials.of("alice", "users"));
    private FileKernel kernel;
    private ServerFixture fixture;

    private static JsonNode json(String text) {
        try {
            return TestClient.JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private ServerFixture live(boolean dryRun) throws Exception {
        kernel = new FileKernel(kernelFiles);
        LiveHost host = new LiveHost(kernel, AllowList.parse("group:1,group:2,group:3"), dryRun, (s, c) -> List.of());
        Path state = Files.createTempDirectory("custody-hand-over");
        fixture = ServerFixture.live(
                Topologies.threeGroups(),
                host,
                s -> s.withPolicy(TWO_USERS).withState(Optional.of(state), Optional.empty()),
                channel -> next.get());
        return fixture;
    }

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
        if (kernel != null) {
            kernel.close();
        }
    }

    /** Binds vfio-pci, opens group 2 as "g" and a container as "c" for holder vm-42, as libvirt would. */
    private static void openForVm42(DescriptorClient manager) throws Exception {
        JsonNode bound = manager.call(
                        "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}")
                .message();
        assertTrue(bound.has("return"), bound.toString());
        JsonNode group = manager.call(
                        "{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\", \"holder\": \"vm-42\"}")
                .message();
        assertTrue(group.has("return"), group.toString());
        JsonNode container = manager.call(
                        "{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"holder\": \"vm-42\"}")
                .message();
        assertTrue(container.has("return"), container.toString());
    }

    private static String contents(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(256);
            long read = LibcIo.pread(fd, buffer, 0);
            assertTrue(read >= 0, "pread: " + read);
            return new String(buffer.asSlice(0, read).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theHoldersProcessTakesTheRealDescriptorsOfItsFiles() throws Exception {
        live(false);
        try (DescriptorClient manager = new DescriptorClient(fixture.socket());
                DescriptorClient qemu = new DescriptorClient(fixture.socket())) {
            openForVm42(manager);
            DescriptorClient.Answer all =
                    qemu.call("{\"execute\": \"holder.take-descriptors\", \"holder\": \"vm-42\", \"id\": 7}");
            assertEquals(7, all.message().get("id").asInt(), all.message().toString());
            JsonNode listed = all.message().at("/return/descriptors");
            assertEquals(2, listed.size(), all.message().toString());
            assertEquals("vfio-group", listed.get(0).get("kind").asText());
            assertEquals("g", listed.get(0).at("/names/0").asText());
            assertEquals("vfio-container", listed.get(1).get("kind").asText());
            assertEquals(2, all.descriptors().length, "one descriptor per file listed, in that order");
            // the same open files the stand-in kernel opened and wrote into
            assertTrue(
                    contents(all.descriptors()[0])
                            .startsWith("open f" + listed.get(0).get("file").asInt() + " vfio-group 0000:00:04.0"),
                    contents(all.descriptors()[0]));
            assertTrue(
                    contents(all.descriptors()[1])
                            .startsWith("open f" + listed.get(1).get("file").asInt() + " container"),
                    contents(all.descriptors()[1]));
            // a write through the one handed over is read back through the kernel's own file
            assertTrue(LibcIo.write(all.descriptors()[1], " +qemu") > 0);
            assertTrue(Files.readString(
                            kernelFiles.resolve("f" + listed.get(1).get("file").asInt()))
                    .endsWith(" +qemu"));

            DescriptorClient.Answer one = qemu.call(
                    "{\"execute\": \"holder.take-descriptors\", \"holder\": \"vm-42\", \"arguments\": {\"names\": [\"c\"]}}");
            assertEquals(1, one.descriptors().length, one.message().toString());
            assertEquals("c", one.message().at("/return/descriptors/0/names/0").asText());

            JsonNode metrics = qemu.call("{\"execute\": \"query-metrics\"}").message();
            assertEquals(3, metrics.at("/return/host/handedOver").asLong(), metrics.toString());
        }
    }

    @Test
    void aConnectionTakesItsOwnFilesAndANameThatIsNoOpenFileIsEbadf() throws Exception {
        live(false);
        try (DescriptorClient client = new DescriptorClient(fixture.socket())) {
            assertTrue(client.call("{\"execute\": \"iommufd.open\", \"as\": \"i\"}")
                    .message()
                    .has("return"));
            DescriptorClient.Answer own = client.call("{\"execute\": \"holder.take-descriptors\"}");
            assertEquals(1, own.descriptors().length, own.message().toString());
            assertEquals(
                    "iommufd", own.message().at("/return/descriptors/0/kind").asText());

            DescriptorClient.Answer none = client.call(
                    "{\"execute\": \"holder.take-descriptors\", \"arguments\": {\"names\": [\"nothing\"]}}");
            assertEquals(
                    "EBADF",
                    none.message().at("/error/class").asText(),
                    none.message().toString());
            assertEquals(0, none.descriptors().length);
        }
    }

    @Test
    void aFileTheHostHoldsNoDescriptorForRefusesTheWholeRequest() throws Exception {
        live(false);
        try (DescriptorClient manager = new DescriptorClient(fixture.socket())) {
            openForVm42(manager);
            kernel.lose(kernel.opened("container")); // the model still shows it open
            DescriptorClient.Answer refused =
                    manager.call("{\"execute\": \"holder.take-descriptors\", \"holder\": \"vm-42\"}");
            assertEquals(
                    "EBADF",
                    refused.message().at("/error/class").asText(),
                    refused.message().toString());
            assertTrue(refused.message().at("/error/desc").asText().contains("nothing was handed over"));
            assertEquals(0, refused.descriptors().length);
        }
    }

    @Test
    void anotherUsersHolderIsEpermAndAudited() throws Exception {
        live(false);
        try (DescriptorClient alice = new DescriptorClient(fixture.socket())) {
            openForVm42(alice);
        }
        next.set(PeerCredentials.of("mallory", "users"));
        try (DescriptorClient mallory = new DescriptorClient(fixture.socket())) {
            DescriptorClient.Answer refused =
                    mallory.call("{\"execute\": \"holder.take-descriptors\", \"holder\": \"vm-42\"}");
            assertEquals(
                    "EPERM",
                    refused.message().at("/error/class").asText(),
                    refused.message().toString());
            assertTrue(refused.message().at("/error/desc").asText().contains("only its holder"));
            assertEquals(0, refused.descriptors().length);
        }
        String audit = Files.readString(fixture.server.stateDirectoryForTests().resolve(ControlServer.AUDIT_LOG));
        assertTrue(
                audit.contains("\"user\":\"mallory\"")
                        && audit.contains("\"result\":\"EPERM\"")
                        && audit.contains("only its holder may take its descriptors"),
                audit);
    }

    @Test
    void aDryRunHasNoDescriptorsAndSaysSo() throws Exception {
        live(true);
        try (DescriptorClient client = new DescriptorClient(fixture.socket())) {
            DescriptorClient.Answer refused = client.call("{\"execute\": \"holder.take-descriptors\"}");
            assertEquals(
                    "EOPNOTSUPP",
                    refused.message().at("/error/class").asText(),
                    refused.message().toString());
            assertTrue(refused.message().at("/error/desc").asText().contains("dry run"));
        }
    }

    @Test
    void withoutAHostThereAreNoRealDescriptorsAndTheAnswerSaysSo() throws Exception {
        fixture = ServerFixture.start(Topologies.threeGroups());
        try (DescriptorClient client = new DescriptorClient(fixture.socket())) {
            assertTrue(client.call("{\"execute\": \"vfio.container.open\", \"as\": \"c\"}")
                    .message()
                    .has("return"));
            DescriptorClient.Answer refused = client.call("{\"execute\": \"holder.take-descriptors\"}");
            assertEquals(
                    "EOPNOTSUPP",
                    refused.message().at("/error/class").asText(),
                    refused.message().toString());
            assertTrue(refused.message().at("/error/desc").asText().contains("not in live host mode"));
            assertEquals(0, refused.descriptors().length);
        }
    }
}
