package dev.custody.oracle.vm;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Boots a kernel in QEMU with the agent as init and collects what the agent wrote.
 *
 * <p>The machine is the one the oracle's findings rest on: q35 with an emulated Intel IOMMU (with
 * interrupt remapping, which needs the split irqchip, and caching mode, which VFIO in the guest
 * needs), KVM where the host offers it and TCG elsewhere ({@link Accelerator}), no network, no display. The
 * kernel console goes to the first serial port and the agent's answers to the second, each into a
 * file, so the answers never mix with kernel messages. The agent powers the guest off at the end;
 * with {@code -no-reboot} QEMU then exits, and so it does after a panic ({@code panic=-1}).
 */
public final class VirtualMachine {
    public static final String QEMU = "qemu-system-x86_64";
    /** Set to 1 (or -Dcustody.oracle.keep=true) to keep each run's directory for inspection. */
    public static final String KEEP_ENV = "CUSTODY_ORACLE_KEEP";

    static final String KEEP_PROPERTY = "custody.oracle.keep";
    /** The agent's port of a started VM: QEMU's standard output, a pipe to the caller. */
    static final String STREAMED_AGENT_PORT = "stdio";
    /**
     * no_timer_check: under TCG on a loaded host the boot's check that the timer interrupt arrives
     * through the remapped IO-APIC can miss, and the kernel then panics ("timer doesn't work through
     * Interrupt-remapped IO-APIC") before the agent starts.
     */
    static final String APPEND = "console=ttyS0 intel_iommu=on iommu=nopt panic=-1 loglevel=4 no_timer_check";

    private final String qemu;

    public VirtualMachine() {
        this(QEMU);
    }

    /** @param qemu the QEMU executable, a name looked up on PATH or a path */
    VirtualMachine(String qemu) {
        this.qemu = qemu;
    }

    /** Runs one VM to its end or to the request's timeout. */
    public VmResult run(VmRequest request) {
        Path executable = executable(request);
        Path work = workDirectory();
        boolean keep = keep();
        try {
            return run(request, executable, work, keep);
        } finally {
            if (!keep) {
                deleteWork(work);
            }
        }
    }

    /**
     * Starts one VM whose agent port (the second serial port, {@code /dev/ttyS1}) the caller reads as
     * the guest writes it, from QEMU's standard output, for runs where the host decides when the VM
     * ends (and may kill it as a power cut would). The request's timeout still bounds the whole run.
     */
    public RunningVm start(VmRequest request) {
        Path executable = executable(request);
        Path work = workDirectory();
        boolean keep = keep();
        try {
            Path console = work.resolve("console.log");
            Path qemuLog = work.resolve("qemu.log");
            List<String> command = prepare(request, executable, work, console, STREAMED_AGENT_PORT);
            Process process = new ProcessBuilder(command)
                    .directory(work.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(qemuLog.toFile())
                    .start();
            return new RunningVm(process, request.timeout(), work, console, qemuLog, keep);
        } catch (IOException | RuntimeException e) {
            if (!keep) {
                deleteWork(work);
            }
            throw e instanceof IOException io
                    ? new IllegalStateException("cannot start " + executable + ": " + io.getMessage(), io)
                    : (RuntimeException) e;
        }
    }

    private Path executable(VmRequest request) {
        Path executable = locate(qemu)
                .orElseThrow(() -> new IllegalStateException(
                        qemu + " is not installed (not found on PATH); install Debian's qemu-system-x86"));
        // QEMU would say only "could not load kernel"; name the kernel and the usual cause instead.
        Path bzImage = request.kernel().bzImage();
        if (!Files.isReadable(bzImage)) {
            throw new IllegalStateException("kernel " + request.kernel().name() + ": " + bzImage
                    + (Files.exists(bzImage) ? " is not readable by this user" : " does not exist"));
        }
        return executable;
    }

    private static Path workDirectory() {
        try {
            return Files.createTempDirectory("custody-vm-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteWork(Path work) {
        try {
            UapiHeaders.deleteTree(work);
        } catch (IOException e) {
            System.err.println("custody: could not delete " + work + ": " + e.getMessage());
        }
    }

    /** Writes the initramfs and the reproducible command line into {@code work}; returns the command. */
    private static List<String> prepare(VmRequest request, Path executable, Path work, Path console, String agentPort) {
        Path initramfs = work.resolve("initramfs.cpio");
        Initramfs.write(
                initramfs,
                request.agentBinary(),
                request.script(),
                request.kernel().modulesDir(),
                request.guestFiles());
        List<String> command = command(
                executable.toString(),
                Accelerator.ofThisHost(),
                request.kernel().bzImage(),
                initramfs,
                console,
                agentPort,
                request.deviceArgs());
        try {
            // For reproducing a kept run by hand: the command line, quoted for a shell.
            Files.writeString(
                    work.resolve("command"),
                    String.join(" ", command.stream().map(VirtualMachine::quote).toList()) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return command;
    }

    private VmResult run(VmRequest request, Path executable, Path work, boolean keep) {
        Path console = work.resolve("console.log");
        Path agent = work.resolve("agent.out");
        Path qemuLog = work.resolve("qemu.log");
        List<String> command = prepare(request, executable, work, console, "file:" + agent);
        long start = System.nanoTime();
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .directory(work.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(qemuLog.toFile())
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + executable + ": " + e.getMessage(), e);
        }
        boolean timedOut;
        try {
            timedOut = !process.waitFor(request.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Processes.killTree(process);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the VM ran", e);
        }
        if (timedOut) {
            Processes.killTree(process);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        return new VmResult(
                read(agent).lines().map(l -> l.replace("\r", "")).toList(),
                read(console),
                timedOut,
                process.exitValue(),
                elapsed,
                read(qemuLog),
                keep ? Optional.of(work) : Optional.empty());
    }

    /** The QEMU command line with the agent's port written to the file {@code agent}. */
    static List<String> command(
            String qemu,
            Accelerator accelerator,
            Path bzImage,
            Path initramfs,
            Path console,
            Path agent,
            List<String> deviceArgs) {
        return command(qemu, accelerator, bzImage, initramfs, console, "file:" + agent, deviceArgs);
    }

    /**
     * The QEMU command line; {@code agentPort} is the second serial port's backend ({@code file:PATH},
     * or {@code stdio} for QEMU's standard output), and {@code deviceArgs} come last so they can refer
     * to nothing but the q35 buses.
     */
    static List<String> command(
            String qemu,
            Accelerator accelerator,
            Path bzImage,
            Path initramfs,
            Path console,
            String agentPort,
            List<String> deviceArgs) {
        List<String> command = new ArrayList<>(List.of(
                qemu,
                "-machine",
                "q35,kernel-irqchip=split",
                "-accel",
                accelerator.argument(),
                "-cpu",
                "max",
                "-m",
                "1024",
                // One vCPU: with two, TCG sometimes lets a vCPU run code the other is patching
                // (static keys), and the guest oopses on a stray int3 in scheduler code; under KVM
                // one keeps the guests alike.
                "-smp",
                "1",
                "-device",
                "intel-iommu,intremap=on,caching-mode=on",
                "-nic",
                "none",
                "-display",
                "none",
                "-no-reboot",
                "-kernel",
                bzImage.toString(),
                "-initrd",
                initramfs.toString(),
                "-append",
                APPEND,
                "-serial",
                "file:" + console,
                "-serial",
                agentPort));
        command.addAll(deviceArgs);
        return command;
    }

    static String quote(String argument) {
        return argument.matches("[A-Za-z0-9_./:=,+-]+") ? argument : "'" + argument.replace("'", "'\\''") + "'";
    }

    static boolean keep() {
        String env = System.getenv(KEEP_ENV);
        return (env != null && !env.isBlank() && !env.equals("0")) || Boolean.getBoolean(KEEP_PROPERTY);
    }

    /** A path as given, or the first executable of that name on PATH. */
    public static Optional<Path> locate(String executable) {
        if (executable.contains("/")) {
            Path path = Path.of(executable);
            return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, executable);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static String read(Path file) {
        try {
            // The guest can write anything to a serial port; invalid UTF-8 becomes U+FFFD rather than an error.
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
