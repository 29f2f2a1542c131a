package dev.custody.oracle;

import dev.custody.nativeio.backend.IommufdSelfCheck;
import dev.custody.oracle.vm.AgentBinary;
import dev.custody.oracle.vm.ClassesJar;
import dev.custody.oracle.vm.GuestFile;
import dev.custody.oracle.vm.GuestJdk;
import dev.custody.oracle.vm.JavaInitScript;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.VirtualMachine;
import dev.custody.oracle.vm.VmRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the native module's {@link IommufdSelfCheck} inside the oracle's iommufd VM, so the FFM
 * bindings meet a real {@code /dev/iommu}: the guest's root is a jlinked JDK, its host libraries,
 * the native module's classes and a small static init ({@code agent/java-init.c} of {@link dev.custody.oracle.vm.OracleFiles}) that runs
 * the JVM with its output on the second serial port and powers off.
 */
public final class NativeCheck {
    /** The init's source inside the repository. */
    public static final Path INIT_SOURCE = dev.custody.oracle.vm.OracleFiles.INIT_SOURCE;
    /** Where the native classes go in the guest. */
    static final String CLASSES = "custody-native.jar";
    /**
     * The JVM under TCG, measured (boot to power-off, 3 runs each): the interpreter only, because the
     * checks run once and C1's compilations cost more than they save (about 6.5 s in all against 9 s
     * with C1); the CDS archive jlink generated (-Xshare:off costs another second); no perf-data file;
     * the serial collector, which starts no GC threads; a small heap.
     */
    static final List<String> JVM_FLAGS =
            List.of("-Xint", "-XX:-UsePerfData", "-XX:+UseSerialGC", "-Xmx64m", "--enable-native-access=ALL-UNNAMED");

    private final Path home;
    private final Kernel kernel;
    private final AgentBinary compiler;
    private final GuestJdk jdk;
    private final VirtualMachine machine;
    private final Duration timeout;

    public NativeCheck(
            Path home, Kernel kernel, AgentBinary compiler, GuestJdk jdk, VirtualMachine machine, Duration timeout) {
        if (!kernel.iommufd()) {
            throw new IllegalArgumentException(
                    "kernel " + kernel.name() + " has no /dev/iommu; the check needs the iommufd kernel");
        }
        this.home = home;
        this.kernel = kernel;
        this.compiler = compiler;
        this.jdk = jdk;
        this.machine = machine;
        this.timeout = timeout;
    }

    /** The machine's compiler, JDK and QEMU. */
    public static NativeCheck standard(Path home, Kernel kernel, Duration timeout) {
        return new NativeCheck(
                home, kernel, AgentBinary.standard(), GuestJdk.standard(), new VirtualMachine(), timeout);
    }

    public GuestCheckResult run() {
        Path init = compiler.build(home.resolve(INIT_SOURCE));
        GuestJdk.Contents runtime = jdk.contents();
        List<GuestFile> files = new ArrayList<>(runtime.files());
        files.add(GuestFile.bytes(CLASSES, 0644, ClassesJar.of(IommufdSelfCheck.class, "dev/custody/nativeio/")));
        files.add(GuestFile.directory("tmp"));
        String script = script(runtime.libraryDirectories());
        // The initramfs (about 80 MB) and the JVM fit the oracle's 1 GiB VM: they need about 384 MiB,
        // and with 256 the unpacking runs out of memory and /jdk/bin/java is missing.
        return new GuestCheckResult(machine.run(new VmRequest(kernel, List.of(), script, timeout, init, files)));
    }

    /** java-init's script: the JVM's environment and command line. */
    static String script(List<String> libraryDirectories) {
        List<String> args = new ArrayList<>(List.of(GuestJdk.javaExecutable()));
        args.addAll(JVM_FLAGS);
        args.addAll(List.of("-cp", "/" + CLASSES, IommufdSelfCheck.class.getName()));
        return new JavaInitScript()
                .env("LD_LIBRARY_PATH=" + String.join(":", libraryDirectories))
                .command(args)
                .text();
    }
}
