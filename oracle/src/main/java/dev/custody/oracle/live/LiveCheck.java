package dev.custody.oracle.live;

import dev.custody.model.DeviceId;
import dev.custody.ops.NotRealisable;
import dev.custody.oracle.GuestCheckResult;
import dev.custody.oracle.GuestLayout;
import dev.custody.oracle.vm.AgentBinary;
import dev.custody.oracle.vm.GuestClassPath;
import dev.custody.oracle.vm.GuestFile;
import dev.custody.oracle.vm.GuestJdk;
import dev.custody.oracle.vm.JavaInitScript;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.oracle.vm.VirtualMachine;
import dev.custody.oracle.vm.VmRequest;
import dev.custody.oracle.vm.VmResult;
import dev.custody.scenario.ScenarioParser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@link LiveSelfCheck} inside the oracle's iommufd VM: a q35 machine with an emulated IOMMU, a
 * virtio-net that live mode drives through VFIO and another unbound behind its back; the guest's root
 * is a jlinked JDK and this JVM's class path, so the engine, its actors and the FFM agent run there as
 * {@code custody serve --host} runs them on a real host.
 */
public final class LiveCheck {
    /** The machine: two endpoints, each alone in its group, with the guest drivers they boot with. */
    static final String MACHINE = """
            {"name": "live-check",
             "topology": {"iommus": [{"name": "dmar0"}],
              "devices": [
               {"name": "nic", "iommu": "dmar0", "group": 1, "driver": "virtio-pci"},
               {"name": "other", "iommu": "dmar0", "group": 2, "driver": "virtio-pci"}]},
             "steps": []}
            """;

    /** The machine of the read-back check: QEMU's edu, the oracle's device without a driver, alone in its group. */
    static final String EDU_MACHINE = """
            {"name": "edu-read-back",
             "topology": {"iommus": [{"name": "dmar0"}],
              "devices": [{"name": "edu", "iommu": "dmar0", "group": 1}]},
             "steps": []}
            """;

    /** The JDK modules the engine needs (Pekko's management and naming, H2's and Kryo's). */
    static final List<String> MODULES = List.of(
            "java.base", "java.logging", "java.management", "java.naming", "java.sql", "java.xml", "jdk.unsupported");

    /**
     * Pekko and the engine under TCG: C1 only, a small heap, no GC threads to speak of; and Pekko's
     * extensions given two minutes to start instead of 20 s, which an emulated guest on a loaded host
     * overran (a file's engine failed to start: "Initialization of ... AdapterExtension took more than
     * [20000 ms]").
     */
    static final List<String> JVM_FLAGS = List.of(
            "-Dpekko.actor.creation-timeout=120s",
            "-Xmx384m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-XX:-UsePerfData",
            "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    private final Path home;
    private final Kernel kernel;
    private final Duration timeout;

    public LiveCheck(Path home, Kernel kernel, Duration timeout) {
        if (!kernel.iommufd()) {
            throw new IllegalArgumentException(
                    "kernel " + kernel.name() + " has no /dev/iommu; the live check needs the iommufd kernel");
        }
        this.home = home;
        this.kernel = kernel;
        this.timeout = timeout;
    }

    public GuestCheckResult run() throws NotRealisable {
        return run(LiveSelfCheck.class.getName(), addresses(), LiveSelfCheck.SUMMARY_PREFIX);
    }

    /**
     * Runs {@link EduReadBackCheck}: live mode's IOAS maps, with the memory the agent owns for them, read
     * back through edu's DMA behind the emulated IOMMU.
     */
    public GuestCheckResult runEduReadBack() throws NotRealisable {
        GuestLayout layout = GuestLayout.of(ScenarioParser.parse("edu-read-back", EDU_MACHINE));
        return run(
                layout,
                List.of(),
                EduReadBackCheck.class.getName(),
                List.of(layout.device(new DeviceId("edu")).address()),
                EduReadBackCheck.SUMMARY_PREFIX);
    }

    /** The guest addresses of the endpoint driven through VFIO and of the one unbound behind the engine's back. */
    public static List<String> addresses() throws NotRealisable {
        GuestLayout layout = GuestLayout.of(ScenarioParser.parse("live-check", MACHINE));
        return List.of(
                layout.device(new DeviceId("nic")).address(),
                layout.device(new DeviceId("other")).address());
    }

    /** Boots the machine and runs {@code mainClass} with {@code arguments} on this class path. */
    public GuestCheckResult run(String mainClass, List<String> arguments, String summaryPrefix) throws NotRealisable {
        GuestLayout layout = GuestLayout.of(ScenarioParser.parse("live-check", MACHINE));
        return run(layout, List.of(), mainClass, arguments, summaryPrefix);
    }

    /** Boots {@code layout}'s machine with {@code extra} files in the guest and runs {@code mainClass} there. */
    public GuestCheckResult run(
            GuestLayout layout, List<GuestFile> extra, String mainClass, List<String> arguments, String summaryPrefix) {
        Path init = AgentBinary.standard().build(home.resolve(OracleFiles.INIT_SOURCE));
        GuestJdk.Contents runtime = GuestJdk.standard(MODULES).contents();
        GuestClassPath.Contents classPath = GuestClassPath.current();
        List<GuestFile> files = new ArrayList<>(runtime.files());
        files.addAll(classPath.files());
        files.add(GuestFile.directory("tmp"));
        files.addAll(GuestModuleAliases.files(kernel.release()));
        files.addAll(extra);
        List<String> command = new ArrayList<>(List.of(GuestJdk.javaExecutable()));
        command.addAll(JVM_FLAGS);
        command.addAll(List.of("-cp", classPath.classPath(), mainClass));
        command.addAll(arguments);
        String script = new JavaInitScript()
                .env("LD_LIBRARY_PATH=" + String.join(":", runtime.libraryDirectories()))
                .stderr("/dev/ttyS0")
                .command(command)
                .text();
        VmResult vm =
                new VirtualMachine().run(new VmRequest(kernel, layout.qemuArguments(), script, timeout, init, files));
        return new GuestCheckResult(vm, summaryPrefix);
    }
}
