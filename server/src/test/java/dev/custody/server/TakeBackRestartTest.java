package dev.custody.server;

import static dev.custody.server.TakeBackTest.assertRefused;
import static dev.custody.server.TakeBackTest.giveBack;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.live.AllowList;
import dev.custody.live.LiveHost;
import dev.custody.live.LiveSession;
import dev.custody.model.FileId;
import dev.custody.model.state.OpenFile;
import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.LibcIo;
import dev.custody.persistence.JournalSpec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine stopped and started again on the same H2 journal and state directory while a VM's process
 * keeps the descriptors it took: the new engine keeps those files open (the kernel has not released
 * them), refuses to close or use them while it holds no descriptor, takes the group's back from the
 * process over the socket and uses it, and closes the container in the model when the process says it
 * closed its copy. Ordinary files behind a stand-in for the kernel; the stand-in of the first engine is
 * closed as the kernel closes a dead process's descriptors.
 */
@Timeout(240)
class TakeBackRestartTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path directory;

    private static String contents(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(256);
            long read = LibcIo.pread(fd, buffer, 0);
            assertTrue(read >= 0, "pread: " + read);
            return new String(buffer.asSlice(0, read).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    private ServerSettings settings(JournalSpec journal, LiveHost host) {
        return ServerSettings.of(directory.resolve("custody.sock"), "take-back", Topologies.threeGroups())
                .withPolicy(TakeBackTest.TWO_USERS)
                .withState(Optional.of(directory.resolve("serve")), Optional.of(journal.config()))
                .withLive(host);
    }

    private static EngineAdmin engine(CustodyRuntime runtime, LiveHost host) throws Exception {
        return EngineAdmin.start(runtime, "take-back", Topologies.threeGroups(), TIMEOUT, host)
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
    }

    private static LiveHost host(FileKernel kernel) {
        return new LiveHost(kernel, AllowList.parse("group:1,group:2,group:3"), false, (s, c) -> List.of());
    }

    @Test
    void aRestartKeepsTheFilesAVmTookAndTakesThemBackFromIt() throws Exception {
        JournalSpec journal =
                JournalSpec.parse("h2:" + directory.resolve("journal")).prepared();
        Path kernelFiles = Files.createDirectories(directory.resolve("kernel"));
        PeerCredentials alice = PeerCredentials.of("alice", "users");
        TakeBackTest.Taken taken;
        DescriptorClient qemu;

        FileKernel first = new FileKernel(kernelFiles);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal.config())) {
            LiveHost host = host(first);
            EngineAdmin custody = engine(runtime, host);
            try (ControlServer server = ControlServer.start(settings(journal, host), custody, channel -> alice);
                    DescriptorClient manager = new DescriptorClient(server.socket())) {
                TakeBackTest.openForVm42(manager);
                qemu = new DescriptorClient(server.socket());
                taken = TakeBackTest.take(qemu);
            } finally {
                custody.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
        }
        // the VM keeps its copies; the connection that took them ended with the server
        int groupFd = Libc.duplicate(taken.groupFd());
        int containerFd = Libc.duplicate(taken.containerFd());
        assertTrue(groupFd >= 0 && containerFd >= 0);
        qemu.close();
        first.close(); // the engine's process is gone, and its descriptors with it

        FileKernel second = new FileKernel(kernelFiles);
        try (CustodyRuntime runtime = CustodyRuntime.start(journal.config())) {
            LiveHost host = host(second);
            EngineAdmin custody = engine(runtime, host);
            Map<FileId, String> out = ControlServer.filesOutWithHolders(Optional.of(directory.resolve("serve")));
            assertEquals(
                    Map.of(new FileId(taken.group()), "vm-42", new FileId(taken.container()), "vm-42"),
                    out,
                    "the state log says which files are out, and with whom");
            LiveSession start = LiveSession.descriptorsAtStart(custody, host, out, TIMEOUT);
            assertEquals(List.of(), start.closedAtStart());
            assertEquals(2, start.keptAtStart().size(), start.keptAtStart().toString());
            assertTrue(
                    start.keptAtStart().getFirst().contains("handed to holder vm-42's process"),
                    start.keptAtStart().toString());
            assertTrue(custody.state()
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS)
                    .file(new FileId(taken.group()))
                    .map(OpenFile::fdOpen)
                    .orElse(false));
            try (ControlServer server = ControlServer.start(settings(journal, host), custody, channel -> alice);
                    DescriptorClient manager = new DescriptorClient(server.socket());
                    DescriptorClient vm = new DescriptorClient(server.socket())) {
                assertRefused(
                        "EBUSY",
                        "is out with holder vm-42's process",
                        manager.call(
                                        "{\"execute\": \"vfio.group.close\", \"arguments\": {\"fd\": \"g\"}, \"holder\": \"vm-42\"}")
                                .message());
                String setContainer = "{\"execute\": \"vfio.group.set_container\","
                        + " \"arguments\": {\"fd\": \"g\", \"container\": \"c\"}, \"holder\": \"vm-42\"}";
                assertRefused(
                        "EBADF",
                        "the engine holds no descriptor for it since it restarted",
                        manager.call(setContainer).message());

                // the wrong descriptor first: refused, and the new engine still holds nothing
                assertRefused(
                        "EBADF",
                        "is another file",
                        vm.giveBack(giveBack("vm-42", taken.group()), containerFd)
                                .message());
                assertFalse(second.holds("f" + taken.group()));

                DescriptorClient.Answer back = vm.giveBack(giveBack("vm-42", taken.group()), groupFd);
                assertFalse(
                        back.message().at("/return/given-back/0/engineHeld").asBoolean(true),
                        back.message().toString());
                assertTrue(second.holds("f" + taken.group()), "the new engine holds the group's descriptor");
                int engines = second.duplicate("f" + taken.group());
                try {
                    assertTrue(
                            contents(engines).startsWith("open f" + taken.group() + " vfio-group 0000:00:04.0"),
                            "the very file the first engine opened: " + contents(engines));
                } finally {
                    Libc.close(engines);
                }

                JsonNode said = vm.call("{\"execute\": \"holder.descriptors-closed\", \"holder\": \"vm-42\","
                                + " \"arguments\": {\"files\": [" + taken.container() + "]}}")
                        .message();
                assertEquals(
                        taken.container(), said.at("/return/closedInModel/0").asInt(), said.toString());
                assertFalse(
                        custody.state()
                                .toCompletableFuture()
                                .get(60, TimeUnit.SECONDS)
                                .file(new FileId(taken.container()))
                                .map(OpenFile::fdOpen)
                                .orElse(false),
                        "closed in the model (and released: nothing else holds it)");

                assertTrue(
                        manager.call(
                                        "{\"execute\": \"vfio.group.close\", \"arguments\": {\"fd\": \"g\"}, \"holder\": \"vm-42\"}")
                                .message()
                                .has("return"),
                        "given back: the engine closes it, on the host too");
                assertFalse(second.holds("f" + taken.group()));
                JsonNode metrics =
                        manager.call("{\"execute\": \"query-metrics\"}").message();
                assertEquals(2, metrics.at("/return/host/keptAtStart").asLong(), metrics.toString());
                assertEquals(0, metrics.at("/return/host/drifts").asLong(), metrics.toString());
            } finally {
                custody.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
                second.close();
                Libc.close(containerFd);
            }
        }
    }

    /**
     * The engine started again on the same journal and state directory, but without --host: nothing can
     * be given back (no real descriptor is held), yet the owner says its process closed its copies, and
     * the files it took close in the model, so the holder can be released.
     */
    @Test
    void aRestartWithoutTheHostClosesWhatTheProcessSaysItClosed() throws Exception {
        JournalSpec journal =
                JournalSpec.parse("h2:" + directory.resolve("journal")).prepared();
        Path kernelFiles = Files.createDirectories(directory.resolve("kernel"));
        PeerCredentials alice = PeerCredentials.of("alice", "users");
        TakeBackTest.Taken taken;
        try (FileKernel first = new FileKernel(kernelFiles);
                CustodyRuntime runtime = CustodyRuntime.start(journal.config())) {
            LiveHost host = host(first);
            EngineAdmin custody = engine(runtime, host);
            try (ControlServer server = ControlServer.start(settings(journal, host), custody, channel -> alice);
                    DescriptorClient manager = new DescriptorClient(server.socket());
                    DescriptorClient qemu = new DescriptorClient(server.socket())) {
                TakeBackTest.openForVm42(manager);
                taken = TakeBackTest.take(qemu);
            } finally {
                custody.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
        }

        try (CustodyRuntime runtime = CustodyRuntime.start(journal.config())) {
            EngineAdmin custody = EngineAdmin.start(runtime, "take-back", Topologies.threeGroups(), TIMEOUT)
                    .toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            ServerSettings modelOnly = ServerSettings.of(
                            directory.resolve("custody.sock"), "take-back", Topologies.threeGroups())
                    .withPolicy(TakeBackTest.TWO_USERS)
                    .withState(Optional.of(directory.resolve("serve")), Optional.of(journal.config()));
            try (ControlServer server = ControlServer.start(modelOnly, custody, channel -> alice);
                    DescriptorClient vm = new DescriptorClient(server.socket())) {
                String release = "{\"execute\": \"holder.release\", \"holder\": \"vm-42\"}";
                assertRefused(
                        "EBUSY",
                        "holder vm-42's process holds the descriptors of",
                        vm.call(release).message());
                assertRefused(
                        "EOPNOTSUPP",
                        "not in live host mode",
                        vm.giveBack(giveBack("vm-42", taken.group())).message());

                JsonNode said = vm.call("{\"execute\": \"holder.descriptors-closed\", \"holder\": \"vm-42\","
                                + " \"arguments\": {\"files\": [" + taken.group() + ", " + taken.container() + "]}}")
                        .message();
                assertEquals(2, said.at("/return/back").size(), said.toString());
                assertEquals(2, said.at("/return/closedInModel").size(), said.toString());
                for (int file : List.of(taken.group(), taken.container())) {
                    assertFalse(
                            custody.state()
                                    .toCompletableFuture()
                                    .get(60, TimeUnit.SECONDS)
                                    .file(new FileId(file))
                                    .map(OpenFile::fdOpen)
                                    .orElse(false),
                            "file " + file + " is closed in the model");
                }
                assertTrue(vm.call(release).message().has("return"), "nothing is out: the holder releases");
            } finally {
                custody.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
        }
    }
}
