package dev.custody.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.live.AllowList;
import dev.custody.live.LiveHost;
import dev.custody.nativeio.libc.Kcmp;
import dev.custody.nativeio.libc.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Taking back the descriptors a holder's process took: while they are out, closing the file or releasing
 * its holder is refused EBUSY; the process gives them back over the socket (SCM_RIGHTS), each matched to
 * its file by fstat's identity, or says it closed its copies; a descriptor that is another file, or one
 * that never arrived, is refused and nothing changes. Ordinary files behind a stand-in for the kernel.
 */
@Timeout(120)
class TakeBackTest {
    static final Policy TWO_USERS = Policy.parse("test-policy", json("""
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

    private void live() throws Exception {
        kernel = new FileKernel(kernelFiles);
        LiveHost host = new LiveHost(kernel, AllowList.parse("group:1,group:2,group:3"), false, (s, c) -> List.of());
        Path state = Files.createTempDirectory("custody-take-back");
        fixture = ServerFixture.live(
                Topologies.threeGroups(),
                host,
                s -> s.withPolicy(TWO_USERS).withState(Optional.of(state), Optional.empty()),
                channel -> next.get());
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
    static void openForVm42(DescriptorClient manager) throws Exception {
        for (String request : List.of(
                "{\"execute\": \"driver.bind\", \"arguments\": {\"device\": \"0000:00:04.0\", \"driver\": \"vfio-pci\"}}",
                "{\"execute\": \"vfio.group.open\", \"arguments\": {\"group\": 2}, \"as\": \"g\", \"holder\": \"vm-42\"}",
                "{\"execute\": \"vfio.container.open\", \"as\": \"c\", \"holder\": \"vm-42\"}")) {
            JsonNode answer = manager.call(request).message();
            assertTrue(answer.has("return"), request + ": " + answer);
        }
    }

    /** holder.take-descriptors for vm-42: the descriptors of g and c, in that order, with their file numbers. */
    record Taken(int group, int container, int groupFd, int containerFd) {}

    static Taken take(DescriptorClient qemu) throws Exception {
        DescriptorClient.Answer all = qemu.call("{\"execute\": \"holder.take-descriptors\", \"holder\": \"vm-42\"}");
        JsonNode listed = all.message().at("/return/descriptors");
        assertEquals(2, all.descriptors().length, all.message().toString());
        assertEquals("g", listed.get(0).at("/names/0").asText(), all.message().toString());
        return new Taken(
                listed.get(0).get("file").asInt(),
                listed.get(1).get("file").asInt(),
                all.descriptors()[0],
                all.descriptors()[1]);
    }

    static String giveBack(String holder, int... files) {
        StringBuilder list = new StringBuilder();
        for (int file : files) {
            list.append(list.isEmpty() ? "" : ", ").append(file);
        }
        return "{\"execute\": \"holder.give-back-descriptors\", \"holder\": \"" + holder
                + "\", \"arguments\": {\"files\": [" + list + "]}, \"id\": \"back\"}";
    }

    static void assertRefused(String errorClass, String saying, JsonNode answer) {
        assertEquals(errorClass, answer.at("/error/class").asText(), answer.toString());
        assertTrue(answer.at("/error/desc").asText().contains(saying), answer.toString());
    }

    private static final String CLOSE_G =
            "{\"execute\": \"vfio.group.close\", \"arguments\": {\"fd\": \"g\"}, \"holder\": \"vm-42\"}";
    private static final String RELEASE = "{\"execute\": \"holder.release\", \"holder\": \"vm-42\"}";

    @Test
    void aFileOutWithTheHoldersProcessIsNotClosedOrReleasedUntilItIsGivenBack() throws Exception {
        live();
        try (DescriptorClient manager = new DescriptorClient(fixture.socket());
                DescriptorClient qemu = new DescriptorClient(fixture.socket())) {
            openForVm42(manager);
            Taken taken = take(qemu);

            JsonNode close = manager.call(CLOSE_G).message();
            assertRefused("EBUSY", "file " + taken.group() + " (\"g\") is out with holder vm-42's process", close);
            assertRefused(
                    "EBUSY",
                    "holder vm-42's process holds the descriptors of",
                    manager.call(RELEASE).message());
            assertTrue(kernel.holds("f" + taken.group()), "nothing was closed on the host");

            DescriptorClient.Answer back = qemu.giveBack(
                    giveBack("vm-42", taken.group(), taken.container()), taken.groupFd(), taken.containerFd());
            assertEquals(
                    "back", back.message().get("id").asText(), back.message().toString());
            JsonNode given = back.message().at("/return/given-back");
            assertEquals(2, given.size(), back.message().toString());
            assertEquals(taken.group(), given.get(0).get("file").asInt());
            assertTrue(given.get(0).get("engineHeld").asBoolean(), "the engine kept its own descriptor");

            assertTrue(manager.call(CLOSE_G).message().has("return"), "given back: it closes");
            assertTrue(manager.call(RELEASE).message().has("return"));
            assertFalse(kernel.holds("f" + taken.group()));
            JsonNode metrics = manager.call("{\"execute\": \"query-metrics\"}").message();
            assertEquals(2, metrics.at("/return/host/givenBack").asLong(), metrics.toString());
        }
    }

    @Test
    void aDescriptorOfAnotherFileIsRefusedAndNothingChanges() throws Exception {
        live();
        try (DescriptorClient manager = new DescriptorClient(fixture.socket());
                DescriptorClient qemu = new DescriptorClient(fixture.socket())) {
            openForVm42(manager);
            Taken taken = take(qemu);
            int stranger = Libc.open(
                    kernelFiles.resolve("stranger").toString(), Libc.O_RDWR | Libc.O_CLOEXEC | 0x40 /* O_CREAT */);
            assertTrue(stranger >= 0, "open: " + stranger);
            try {
                assertRefused(
                        "EBADF",
                        "is another file",
                        qemu.giveBack(giveBack("vm-42", taken.group()), stranger)
                                .message());
                // the container's descriptor for the group: a file handed out, but not this one
                JsonNode swapped = qemu.giveBack(giveBack("vm-42", taken.group()), taken.containerFd())
                        .message();
                assertRefused("EBADF", "given back for file " + taken.group() + " (\"g\"), is another file", swapped);
                assertTrue(swapped.at("/error/desc").asText().contains("nothing was given back"), swapped.toString());
            } finally {
                Libc.close(stranger);
            }
            assertRefused(
                    "EBUSY",
                    "is out with holder vm-42's process",
                    manager.call(CLOSE_G).message());
            JsonNode metrics = manager.call("{\"execute\": \"query-metrics\"}").message();
            assertEquals(0, metrics.at("/return/host/givenBack").asLong(), metrics.toString());
        }
    }

    /**
     * The group's file opened a second time has the identity of the one handed out, but is another open
     * file; where the engine still holds its own descriptor, kcmp tells them apart.
     */
    @Test
    void anotherOpenOfTheSameFileIsRefusedWhereTheKernelCanTell() throws Exception {
        live();
        try (DescriptorClient manager = new DescriptorClient(fixture.socket());
                DescriptorClient qemu = new DescriptorClient(fixture.socket())) {
            openForVm42(manager);
            Taken taken = take(qemu);
            int reopened = Libc.open(kernelFiles.resolve("f" + taken.group()).toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
            assertTrue(reopened >= 0, "open: " + reopened);
            try {
                int kcmp = Kcmp.sameOpenFile(reopened, taken.groupFd());
                Assumptions.assumeTrue(kcmp >= 0, "kcmp is not available here: " + kcmp);
                assertRefused(
                        "EBADF",
                        "is the same file but another open of it (kcmp)",
                        qemu.giveBack(giveBack("vm-42", taken.group()), reopened)
                                .message());
            } finally {
                Libc.close(reopened);
            }
            assertRefused(
                    "EBUSY",
                    "is out with holder vm-42's process",
                    manager.call(CLOSE_G).message());
        }
    }

    @Test
    void aDescriptorThatNeverArrivedOrAFileNotOutIsRefusedAndNothingChanges() throws Exception {
        live();
        try (DescriptorClient manager = new DescriptorClient(fixture.socket());
                DescriptorClient qemu = new DescriptorClient(fixture.socket())) {
            openForVm42(manager);
            Taken taken = take(qemu);
            // the byte came without descriptors: a plain write, or a descriptor closed before the send
            assertRefused(
                    "EBADF",
                    "expected 1 descriptors with the message; it carried no descriptor",
                    qemu.giveBack(giveBack("vm-42", taken.group())).message());
            assertRefused(
                    "EBADF",
                    "file 99 is not out with holder vm-42's process",
                    qemu.giveBack(giveBack("vm-42", 99), taken.groupFd()).message());
            assertRefused(
                    "EBUSY",
                    "is out with holder vm-42's process",
                    manager.call(CLOSE_G).message());
            // and the connection still reads whole lines: the refused request took no byte of the next one
            assertTrue(qemu.call("{\"execute\": \"query-status\"}").message().has("return"));
        }
    }

    /** The end of the stream where the descriptors were due is the client gone (EPIPE), not a byte without them. */
    @Test
    void aClientThatHangsUpInsteadOfSendingIsRefusedEpipeAndNothingChanges() throws Exception {
        live();
        try (DescriptorClient manager = new DescriptorClient(fixture.socket());
                DescriptorClient qemu = new DescriptorClient(fixture.socket())) {
            openForVm42(manager);
            Taken taken = take(qemu);
            JsonNode asked = qemu.call(giveBack("vm-42", taken.group())).message();
            assertEquals(1, asked.at("/send-descriptors/count").asInt(), asked.toString());
            assertRefused(
                    "EPIPE",
                    "the client closed the connection before its descriptors came",
                    qemu.hangUp().message());
            assertRefused(
                    "EBUSY",
                    "is out with holder vm-42's process",
                    manager.call(CLOSE_G).message());
        }
    }

    @Test
    void onlyTheHoldersOwnerMayGiveBackAndItIsAudited() throws Exception {
        live();
        Taken taken;
        try (DescriptorClient alice = new DescriptorClient(fixture.socket())) {
            openForVm42(alice);
            taken = take(alice);
            next.set(PeerCredentials.of("mallory", "users"));
            try (DescriptorClient mallory = new DescriptorClient(fixture.socket())) {
                assertRefused(
                        "EPERM",
                        "only its holder may give its descriptors back",
                        mallory.giveBack(giveBack("vm-42", taken.group()), taken.groupFd())
                                .message());
                assertRefused(
                        "EPERM",
                        "only its holder",
                        mallory.call("{\"execute\": \"holder.descriptors-closed\", \"holder\": \"vm-42\","
                                        + " \"arguments\": {\"files\": [" + taken.group() + "]}}")
                                .message());
            }
            assertRefused(
                    "EBUSY",
                    "is out with holder vm-42's process",
                    alice.call(CLOSE_G).message());
        }
        String audit = Files.readString(fixture.server.stateDirectoryForTests().resolve(ControlServer.AUDIT_LOG));
        assertTrue(audit.contains("\"user\":\"mallory\"") && audit.contains("give its descriptors back"), audit);
    }

    @Test
    void theProcessSaysItClosedItsCopies() throws Exception {
        live();
        try (DescriptorClient manager = new DescriptorClient(fixture.socket());
                DescriptorClient qemu = new DescriptorClient(fixture.socket())) {
            openForVm42(manager);
            Taken taken = take(qemu);
            Libc.close(qemu.forget(taken.groupFd()));
            JsonNode said = qemu.call("{\"execute\": \"holder.descriptors-closed\", \"holder\": \"vm-42\","
                            + " \"arguments\": {\"files\": [" + taken.group() + "]}}")
                    .message();
            assertEquals(taken.group(), said.at("/return/back/0").asInt(), said.toString());
            assertEquals(0, said.at("/return/closedInModel").size(), "the engine still held its own: " + said);
            assertTrue(manager.call(CLOSE_G).message().has("return"));
            assertRefused(
                    "EBUSY",
                    "file " + taken.container() + " (\"c\")",
                    manager.call(RELEASE).message());
        }
    }
}
