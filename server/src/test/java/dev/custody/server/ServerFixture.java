package dev.custody.server;

import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.model.Topology;
import dev.custody.persistence.Journals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/** An engine on an in-memory journal behind a control socket in a temporary directory. */
final class ServerFixture implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    final Path directory;
    final EngineAdmin custody;
    final ControlServer server;
    private final CustodyRuntime runtime;
    private final boolean ownsRuntime;

    private ServerFixture(
            CustodyRuntime runtime,
            boolean ownsRuntime,
            Topology topology,
            UnaryOperator<ServerSettings> adjust,
            PeerIdentity identity)
            throws Exception {
        this(runtime, ownsRuntime, topology, adjust, identity, dev.custody.entity.HostPort.NONE);
    }

    private ServerFixture(
            CustodyRuntime runtime,
            boolean ownsRuntime,
            Topology topology,
            UnaryOperator<ServerSettings> adjust,
            PeerIdentity identity,
            dev.custody.entity.HostPort host)
            throws Exception {
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.directory = Files.createTempDirectory("custody-serve-test");
        String instance = "serve-test-" + INSTANCES.incrementAndGet();
        this.custody = EngineAdmin.start(runtime, instance, topology, Duration.ofSeconds(30), host)
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        ServerSettings settings =
                adjust.apply(ServerSettings.of(directory.resolve("custody.sock"), instance, topology));
        this.server = ControlServer.start(settings, custody, identity);
    }

    static ServerFixture start(Topology topology) throws Exception {
        return new ServerFixture(
                CustodyRuntime.start(Journals.inMemory()), true, topology, s -> s, PeerIdentity.KERNEL);
    }

    static ServerFixture start(Topology topology, UnaryOperator<ServerSettings> adjust) throws Exception {
        return new ServerFixture(
                CustodyRuntime.start(Journals.inMemory()), true, topology, adjust, PeerIdentity.KERNEL);
    }

    static ServerFixture start(Topology topology, UnaryOperator<ServerSettings> adjust, PeerIdentity identity)
            throws Exception {
        return new ServerFixture(CustodyRuntime.start(Journals.inMemory()), true, topology, adjust, identity);
    }

    /** In live host mode on {@code host} (a stand-in for the kernel): the engine carries its decisions out there. */
    static ServerFixture live(
            Topology topology,
            dev.custody.live.LiveHost host,
            UnaryOperator<ServerSettings> adjust,
            PeerIdentity identity)
            throws Exception {
        return new ServerFixture(
                CustodyRuntime.start(Journals.inMemory()),
                true,
                topology,
                s -> adjust.apply(s.withLive(host)),
                identity,
                host);
    }

    /** On a runtime the caller shares between fixtures and closes. */
    static ServerFixture on(CustodyRuntime runtime, Topology topology) throws Exception {
        return new ServerFixture(runtime, false, topology, s -> s, PeerIdentity.KERNEL);
    }

    Path socket() {
        return server.socket();
    }

    TestClient client() throws java.io.IOException {
        return new TestClient(socket());
    }

    @Override
    public void close() throws java.io.IOException {
        server.close();
        try {
            custody.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the engine did not stop: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the engine", e);
        }
        if (ownsRuntime) {
            runtime.close();
        }
        try (var files = Files.walk(directory)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }
}
