package dev.custody.oracle.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.live.HostSysfs;
import dev.custody.live.LiveMode;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Handle;
import dev.custody.model.IommuType;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.nativeio.host.GuestModules;
import dev.custody.nativeio.host.HostPaths;
import dev.custody.rules.Decision;
import dev.custody.scenario.ScenarioParser;
import dev.custody.topology.GroupDerivation;
import dev.custody.topology.GroupingPolicy;
import dev.custody.topology.host.HostGroups;
import dev.custody.topology.host.ScenarioTopologyFile;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Live host mode on a real kernel, run inside the oracle's VM as its only program: the topology imported
 * from the guest's {@code /sys}, an engine started as {@code custody serve --host} starts it, then a VFIO
 * user's life carried out through the engine (each answer checked against the model's: no drift), and a
 * driver unbound behind the engine's back (followed within a second). Prints {@code PASS name detail} or
 * {@code FAIL name detail} per check, then {@code LIVE-CHECK <passed> passed <failed> failed}.
 *
 * <p>Usage: {@code LiveSelfCheck NIC OTHER}: the PCI addresses of the endpoint live mode drives through
 * VFIO and of the one unbound behind its back.
 */
public final class LiveSelfCheck {
    public static final String SUMMARY_PREFIX = "LIVE-CHECK ";
    /** The promise of docs/live-host.md: a change behind the engine's back reaches the model within this. */
    static final Duration FOLLOWS_WITHIN = Duration.ofSeconds(1);

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final PrintStream out;
    private final GuestChecks checks;

    private LiveSelfCheck(PrintStream out) {
        this.out = out;
        this.checks = new GuestChecks(out);
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        LiveSelfCheck check = new LiveSelfCheck(out);
        int status;
        try {
            check.run(new DeviceId(args[0]), new DeviceId(args[1]));
        } catch (Exception | Error broken) {
            check.checks.check("run", false, "stopped: " + broken);
            broken.printStackTrace();
        } finally {
            check.checks.summary(SUMMARY_PREFIX);
            status = check.checks.allPassed() ? 0 : 1;
        }
        Runtime.getRuntime().halt(status);
    }

    private void run(DeviceId nic, DeviceId other) throws Exception {
        GuestModules.load(Path.of("/modules/order")).forEach(checks::note);
        GuestModules.settle(HostPaths.standard());
        Topology machine = imported(new HostSysfs(HostSysfs.DEFAULT_ROOT));
        checks.check(
                "topology",
                machine.devices().containsKey(nic) && machine.devices().containsKey(other),
                machine.devices().size() + " functions from /sys");
        Optional<String> otherDriver = machine.device(other).bootDriver();
        try (CustodyRuntime runtime = CustodyRuntime.start(CustodyRuntime.inMemoryJournal());
                LiveMode.Running live = LiveMode.check(nic + "," + other, false, false)
                        .start(runtime, "live-check", machine, TIMEOUT)) {
            checks.note(live.describe());
            EngineAdmin engine = live.engine();
            checks.agreed(engine, "unbind", new Command.DriverUnbind(nic));
            checks.agreed(engine, "bind vfio-pci", new Command.DriverBind(nic, "vfio-pci"));
            checks.check(
                    "sysfs shows vfio-pci",
                    driverLink(nic).equals(Optional.of("vfio-pci")),
                    driverLink(nic).toString());
            Handle container =
                    GuestChecks.created(checks.agreed(engine, "open container", new Command.ContainerOpen("c")));
            int group = machine.device(nic).group().orElseThrow().number();
            Handle groupFd = GuestChecks.created(checks.agreed(
                    engine, "open group " + group, new Command.GroupOpen(new dev.custody.model.GroupId(group), "g")));
            checks.agreed(engine, "set container", new Command.SetContainer(groupFd, container));
            checks.agreed(engine, "set iommu", new Command.ContainerSetIommu(container, IommuType.TYPE1V2));
            checks.agreed(
                    engine,
                    "map",
                    new Command.Type1MapDma(
                            container,
                            0x100000,
                            0x7f0000000000L,
                            0x200000,
                            Set.of(dev.custody.model.Type1MapFlag.READ, dev.custody.model.Type1MapFlag.WRITE)));
            checks.agreed(engine, "unmap", new Command.Type1UnmapDma(container, 0x100000, 0x200000, false));
            checks.agreed(engine, "close group", new Command.Close(groupFd));
            checks.agreed(engine, "close container", new Command.Close(container));
            checks.check(
                    "no drift",
                    live.host().drifts() == 0,
                    live.host().drifts() + " drifts in " + live.host().carriedOut() + " calls carried out");

            long start = System.nanoTime();
            Files.writeString(devices().resolve(other.name()).resolve("driver/unbind"), other.name());
            boolean followed = awaitModel(engine, m -> m.device(other).driver().isEmpty());
            long millis = (System.nanoTime() - start) / 1_000_000;
            checks.check(
                    "unbind behind its back",
                    followed,
                    "of " + otherDriver.orElse("?") + " from " + other + " followed in " + millis + " ms");
            checks.check(
                    "followed within " + FOLLOWS_WITHIN.toMillis() + " ms",
                    followed && millis <= FOLLOWS_WITHIN.toMillis(),
                    millis + " ms");
            Decision bindBack = engine.decide(new Command.DriverBind(other, otherDriver.orElse("virtio-pci")))
                    .toCompletableFuture()
                    .join();
            checks.check(
                    "the next answer accounts for it",
                    bindBack.outcome().isOk() && live.host().drifts() == 0,
                    "bind back: " + bindBack.outcome().resultName() + ", drifts "
                            + live.host().drifts());
        }
    }

    private boolean awaitModel(EngineAdmin engine, Predicate<KernelState> holds) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (holds.test(engine.state().toCompletableFuture().join())) {
                return true;
            }
            Thread.sleep(20); // polling a real host: the deadline bounds it
        }
        return false;
    }

    private static Path devices() {
        return HostSysfs.DEFAULT_ROOT.resolve(HostSysfs.DEVICES);
    }

    private static Optional<String> driverLink(DeviceId device) throws java.io.IOException {
        Path link = devices().resolve(device.name()).resolve("driver");
        return Files.isSymbolicLink(link)
                ? Optional.of(Files.readSymbolicLink(link).getFileName().toString())
                : Optional.empty();
    }

    /** The topology as {@code custody serve} imports this host's: the kernel's groups, drivers as boot drivers. */
    public static Topology imported(HostSysfs sysfs) {
        var pci = sysfs.topology().topology();
        var derived = GroupDerivation.derive(pci, GroupingPolicy.KERNEL);
        var file = ScenarioTopologyFile.of(pci, HostGroups.of(pci, derived, false), new ObjectMapper());
        return ScenarioTopologyFile.withUpstreamBridges(
                ScenarioParser.parse("this host", file.toString()).topology(), pci);
    }
}
