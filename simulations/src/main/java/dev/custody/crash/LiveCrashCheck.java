package dev.custody.crash;

import dev.custody.api.CustodyRuntime;
import dev.custody.api.EngineAdmin;
import dev.custody.live.HostSysfs;
import dev.custody.live.LiveMode;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IommuType;
import dev.custody.model.Topology;
import dev.custody.model.Type1MapFlag;
import dev.custody.model.state.KernelState;
import dev.custody.nativeio.host.GuestModules;
import dev.custody.nativeio.host.HostPaths;
import dev.custody.oracle.live.GuestChecks;
import dev.custody.oracle.live.LiveSelfCheck;
import dev.custody.persistence.JournalSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A live engine killed while a VFIO user holds a group, and its restart on the same kernel, run inside
 * the oracle's VM ({@code drive}, the guest's program). A child JVM ({@code hold}) starts the engine on an
 * H2 journal, binds vfio-pci, opens a container and the group, sets them up and maps, says so and waits;
 * the driver SIGKILLs it: its descriptors go, and the kernel releases what they held. Then the engine
 * restarts on the journal ({@code recover}): the files the dead process held are closed in the model at
 * start, the device is still vfio-pci's, and the group is opened and set up again with the kernel
 * agreeing at every step. Prints {@code PASS} and {@code FAIL} lines (the child's too), then
 * {@code LIVE-CRASH <passed> passed <failed> failed}.
 *
 * <p>Usage: {@code LiveCrashCheck drive NIC OTHER JOURNAL_DIR}.
 */
public final class LiveCrashCheck {
    public static final String SUMMARY_PREFIX = "LIVE-CRASH ";
    /** Where the journal is in the guest: its RAM file system lives as long as the boot, which is enough. */
    public static final String GUEST_JOURNAL = "/tmp/live-crash-journal";

    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    private final PrintStream out;
    private final GuestChecks checks;

    private LiveCrashCheck(PrintStream out) {
        this.out = out;
        this.checks = new GuestChecks(out);
    }

    /** The child's line once it holds the group: the driver kills it then. */
    static final String HOLDING = "HOLDING";

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        LiveCrashCheck check = new LiveCrashCheck(out);
        boolean hold = args[0].equals("hold");
        try {
            if (hold) {
                check.run(true, new DeviceId(args[1]), new DeviceId(args[2]), Path.of(args[3]));
                out.println(HOLDING);
                Thread.sleep(TIMEOUT.toMillis()); // until the driver's SIGKILL
            } else {
                GuestModules.load(Path.of("/modules/order")).forEach(check.checks::note);
                GuestModules.settle(HostPaths.standard());
                check.killWhileHolding(args);
                check.run(false, new DeviceId(args[1]), new DeviceId(args[2]), Path.of(args[3]));
            }
        } catch (Exception | Error broken) {
            check.checks.check("run", false, "stopped: " + broken);
            broken.printStackTrace();
        }
        if (!hold) {
            check.checks.summary(SUMMARY_PREFIX);
        }
        out.flush();
        Runtime.getRuntime().halt(check.checks.allPassed() ? 0 : 1);
    }

    /** Runs {@code hold} in a child JVM like this one, passes its lines on, and SIGKILLs it once it holds the group. */
    private void killWhileHolding(String[] args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), LiveCrashCheck.class.getName(), "hold"));
        command.addAll(List.of(args).subList(1, args.length));
        Process child = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        boolean holding = false;
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (!holding && (line = lines.readLine()) != null) {
                if (line.equals(HOLDING)) {
                    holding = true;
                } else if (line.startsWith("PASS ") || line.startsWith("FAIL ")) {
                    checks.check("before the kill: " + line.substring(5), line.startsWith("PASS "), "");
                } else {
                    out.println(line);
                }
            }
        }
        checks.check("the engine holds the group when it is killed", holding, "child " + child.pid());
        child.destroyForcibly(); // SIGKILL
        checks.check(
                "killed",
                child.waitFor(30, TimeUnit.SECONDS),
                "exit " + (child.isAlive() ? "none" : child.exitValue()));
    }

    private void run(boolean hold, DeviceId nic, DeviceId other, Path journal) throws Exception {
        if (hold) {
            GuestModules.settle(HostPaths.standard());
        }
        Files.createDirectories(journal);
        Topology machine = LiveSelfCheck.imported(new HostSysfs(HostSysfs.DEFAULT_ROOT));
        GroupId group = machine.device(nic).group().orElseThrow();
        CustodyRuntime runtime = CustodyRuntime.start(
                JournalSpec.parse("h2:" + journal).prepared().config());
        LiveMode.Running live =
                LiveMode.check(nic + "," + other, false, false).start(runtime, "live-crash", machine, TIMEOUT);
        checks.note(live.describe());
        EngineAdmin engine = live.engine();
        if (hold) {
            checks.agreed(engine, "unbind", new Command.DriverUnbind(nic));
            checks.agreed(engine, "bind vfio-pci", new Command.DriverBind(nic, "vfio-pci"));
            live.session().followedSinceStart().forEach(f -> checks.note("followed: " + f));
            holdGroup(engine, group, "before the kill");
            checks.check("no drift", live.host().drifts() == 0, live.host().drifts() + " drifts");
            return; // the engine runs on, holding the group, until it is killed
        }
        checks.check(
                "files closed at start",
                live.session().reconciled().size() == 2
                        && live.session().reconciled().stream()
                                .allMatch(d -> d.outcome().isOk()),
                live.session().reconciled().size() + " changes found at start");
        KernelState recovered = engine.state().toCompletableFuture().join();
        checks.check(
                "the model holds no file",
                recovered.files().values().stream().noneMatch(f -> f.fdOpen()),
                recovered.files().size() + " files");
        checks.check(
                "still vfio-pci's",
                recovered.device(nic).driver().equals(Optional.of("vfio-pci")),
                recovered.device(nic).driver().toString());
        holdGroup(engine, group, "after the restart");
        checks.check(
                "no drift",
                live.host().drifts() == 0,
                live.host().drifts() + " drifts in " + live.host().carriedOut() + " calls carried out");
        live.close();
        engine.stop().toCompletableFuture().join();
        runtime.close();
    }

    /** A VFIO user's set-up of the group: the kernel must agree at every step. */
    private void holdGroup(EngineAdmin engine, GroupId group, String when) {
        Handle container =
                GuestChecks.created(checks.agreed(engine, "open container " + when, new Command.ContainerOpen("c")));
        Handle groupFd =
                GuestChecks.created(checks.agreed(engine, "open group " + when, new Command.GroupOpen(group, "g")));
        checks.agreed(engine, "set container " + when, new Command.SetContainer(groupFd, container));
        checks.agreed(engine, "set iommu " + when, new Command.ContainerSetIommu(container, IommuType.TYPE1V2));
        checks.agreed(
                engine,
                "map " + when,
                new Command.Type1MapDma(
                        container, 0x100000, 0x7f0000000000L, 0x200000, Set.of(Type1MapFlag.READ, Type1MapFlag.WRITE)));
    }
}
