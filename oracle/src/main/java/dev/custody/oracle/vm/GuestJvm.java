package dev.custody.oracle.vm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One Java program as the guest's only program, with a disk: a kernel, a jlinked runtime of the
 * modules the program needs ({@link GuestJdk}), this JVM's class path ({@link GuestClassPath}), and
 * {@code agent/java-init.c} as {@code /init}, which mounts the disk image (virtio-blk, ext4) and runs
 * the JVM with its stdout on the agent port, read live by the host, and its stderr on the kernel
 * console. The runtime and the class path are gathered once and reused for every boot.
 */
public final class GuestJvm {
    /** QEMU's id of the disk. */
    static final String DISK_ID = "disk0";
    /** Where the program's stderr goes: the console port, whose log the host keeps for diagnosis. */
    static final String STDERR = "/dev/ttyS0";

    private final Kernel kernel;
    private final Path init;
    private final GuestJdk.Contents runtime;
    private final GuestClassPath.Contents classPath;
    private final VirtualMachine machine;

    public GuestJvm(
            Kernel kernel,
            Path init,
            GuestJdk.Contents runtime,
            GuestClassPath.Contents classPath,
            VirtualMachine machine) {
        this.kernel = kernel;
        this.init = init;
        this.runtime = runtime;
        this.classPath = classPath;
        this.machine = machine;
    }

    /**
     * This machine's QEMU and compiler, the runtime of {@code modules} from this JDK, and this JVM's
     * class path; {@code home} holds the oracle's files ({@link OracleFiles#unpacked()}).
     */
    public static GuestJvm standard(Path home, Kernel kernel, List<String> modules) {
        Path init = AgentBinary.standard().build(home.resolve(OracleFiles.INIT_SOURCE));
        return new GuestJvm(
                kernel, init, GuestJdk.standard(modules).contents(), GuestClassPath.current(), new VirtualMachine());
    }

    /**
     * Boots with {@code disk} mounted at {@code mountPoint} and runs {@code java jvmOptions -cp ...
     * mainClass arguments}; {@code timeout} bounds the whole run.
     */
    public RunningVm start(
            DiskImage disk,
            String mountPoint,
            List<String> jvmOptions,
            String mainClass,
            List<String> arguments,
            Duration timeout) {
        return machine.start(request(disk, mountPoint, jvmOptions, mainClass, arguments, timeout));
    }

    VmRequest request(
            DiskImage disk,
            String mountPoint,
            List<String> jvmOptions,
            String mainClass,
            List<String> arguments,
            Duration timeout) {
        List<GuestFile> files = new ArrayList<>(runtime.files());
        files.addAll(classPath.files());
        files.add(GuestFile.directory("tmp"));
        return new VmRequest(
                kernel,
                disk.qemuArguments(DISK_ID),
                script(mountPoint, jvmOptions, mainClass, arguments),
                timeout,
                init,
                files);
    }

    String script(String mountPoint, List<String> jvmOptions, String mainClass, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(GuestJdk.javaExecutable()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath.classPath(), mainClass));
        command.addAll(arguments);
        return new JavaInitScript()
                .env("LD_LIBRARY_PATH=" + String.join(":", runtime.libraryDirectories()))
                .mount(DiskImage.GUEST_DEVICE, mountPoint, "ext4")
                .stderr(STDERR)
                .command(command)
                .text();
    }
}
