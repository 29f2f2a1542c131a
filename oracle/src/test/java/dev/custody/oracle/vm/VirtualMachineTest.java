package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtualMachineTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private static Kernel fakeKernel(Path dir) throws Exception {
        Path bzImage = dir.resolve("bzImage");
        if (!Files.exists(bzImage)) {
            Files.writeString(bzImage, "not a kernel");
        }
        return new Kernel("fake", "0", bzImage, Optional.empty(), false);
    }

    @Test
    void aMissingKernelImageIsNamed() throws Exception {
        Path fakeQemu = Files.writeString(dir.resolve("fake-qemu"), "#!/bin/sh\nexit 0\n");
        assertTrue(fakeQemu.toFile().setExecutable(true));
        Kernel gone = new Kernel("gone-1.0", "1.0", dir.resolve("no-such-bzImage"), Optional.empty(), false);
        VmRequest request = new VmRequest(gone, List.of(), "", TIMEOUT, dir.resolve("agent"));
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> new VirtualMachine(fakeQemu.toString()).run(request));
        assertEquals("kernel gone-1.0: " + dir.resolve("no-such-bzImage") + " does not exist", e.getMessage());
    }

    @Test
    void theCommandLineIsTheOraclesMachineWithTheCallersDevicesLast() {
        List<String> command = VirtualMachine.command(
                "qemu",
                Accelerator.TCG,
                Path.of("/k/bzImage"),
                Path.of("/w/i.cpio"),
                Path.of("/w/console.log"),
                Path.of("/w/agent.out"),
                List.of("-device", "virtio-rng-pci"));
        String line = String.join(" ", command);
        assertTrue(
                line.startsWith(
                        "qemu -machine q35,kernel-irqchip=split -accel tcg,thread=multi -cpu max -m 1024 -smp 1 "
                                + "-device intel-iommu,intremap=on,caching-mode=on -nic none -display none -no-reboot "),
                line);
        assertTrue(line.contains(" -kernel /k/bzImage -initrd /w/i.cpio "), line);
        assertTrue(
                command.contains("console=ttyS0 intel_iommu=on iommu=nopt panic=-1 loglevel=4 no_timer_check"), line);
        assertTrue(
                line.endsWith(" -serial file:/w/console.log -serial file:/w/agent.out -device virtio-rng-pci"), line);
    }

    @Test
    void aStartedVmHasItsAgentPortOnQemusStandardOutput() {
        List<String> command = VirtualMachine.command(
                "qemu",
                Accelerator.TCG,
                Path.of("/k/bzImage"),
                Path.of("/w/i.cpio"),
                Path.of("/w/console.log"),
                VirtualMachine.STREAMED_AGENT_PORT,
                List.of("-drive", "file=/d.img,format=raw,if=none,id=disk0,cache=writeback"));
        String line = String.join(" ", command);
        assertTrue(
                line.endsWith(" -serial file:/w/console.log -serial stdio -drive "
                        + "file=/d.img,format=raw,if=none,id=disk0,cache=writeback"),
                line);
    }

    /** The power-loss crash test reads a running guest's lines and kills QEMU mid-run; here a stand-in QEMU. */
    @Test
    void aStartedVmStreamsWhatTheGuestWritesAndDiesAtOnceWhenKilled() throws Exception {
        Path arguments = dir.resolve("arguments");
        Path fakeQemu = Files.writeString(
                dir.resolve("fake-qemu"),
                "#!/bin/sh\necho \"$@\" > " + arguments
                        + "\nprintf 'ACK a 1 x\\r\\nACK b 2 y\\r\\n'\nexec sleep 600\n");
        assertTrue(fakeQemu.toFile().setExecutable(true));
        Path agent = Files.write(dir.resolve("agent"), new byte[] {1});

        try (RunningVm vm = new VirtualMachine(fakeQemu.toString())
                .start(new VmRequest(fakeKernel(dir), List.of(), "", TIMEOUT, agent))) {
            var lines = new java.io.BufferedReader(
                    new java.io.InputStreamReader(vm.agentOutput(), java.nio.charset.StandardCharsets.UTF_8));
            assertEquals("ACK a 1 x", lines.readLine());
            assertEquals("ACK b 2 y", lines.readLine());
            assertEquals(Optional.empty(), vm.exitCode(), "it runs until killed");

            vm.kill();

            assertTrue(vm.awaitExit(Processes.REAP), "SIGKILL ends it");
            assertEquals(Optional.of(137), vm.exitCode());
            assertEquals(null, lines.readLine(), "the agent port ends with QEMU");
            assertFalse(vm.timedOut());
        }
        assertTrue(Files.readString(arguments).contains(" -serial stdio"), Files.readString(arguments));
    }

    @Test
    void aStartedVmIsKilledAtItsTimeout() throws Exception {
        Path fakeQemu = Files.writeString(dir.resolve("fake-qemu"), "#!/bin/sh\nexec sleep 600\n");
        assertTrue(fakeQemu.toFile().setExecutable(true));
        Path agent = Files.write(dir.resolve("agent"), new byte[] {1});

        try (RunningVm vm = new VirtualMachine(fakeQemu.toString())
                .start(new VmRequest(fakeKernel(dir), List.of(), "", Duration.ofSeconds(1), agent))) {
            assertTrue(vm.awaitExit(TIMEOUT), "the timeout ended it");
            assertTrue(vm.timedOut());
        }
    }

    @Test
    void aMissingQemuNamesTheDebianPackage() throws Exception {
        VmRequest request = new VmRequest(fakeKernel(dir), List.of(), "", TIMEOUT, dir.resolve("agent"));
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> new VirtualMachine("qemu-system-x86_64-not-here").run(request));
        assertTrue(e.getMessage().contains("install Debian's qemu-system-x86"), e.getMessage());
    }

    @Test
    void deviceArgumentsMustBeQemuOptions() throws Exception {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new VmRequest(fakeKernel(dir), List.of("virtio-rng-pci"), "", TIMEOUT, dir.resolve("agent")));
        assertTrue(e.getMessage().contains("[-device, virtio-rng-pci]"), e.getMessage());
    }

    /** A VM that never ends (a stand-in QEMU that waits on a child) is killed at the timeout, child included. */
    @Test
    void aHungVmIsKilledWithItsChildrenAtTheTimeout() throws Exception {
        Path childPid = dir.resolve("child.pid");
        Path fakeQemu = Files.writeString(
                dir.resolve("fake-qemu"), "#!/bin/sh\nsleep 600 &\necho $! > " + childPid + "\nwait\n");
        assertTrue(fakeQemu.toFile().setExecutable(true));
        Path agent = Files.write(dir.resolve("agent"), new byte[] {1});
        Duration timeout = Duration.ofSeconds(2);

        VmResult result = new VirtualMachine(fakeQemu.toString())
                .run(new VmRequest(fakeKernel(dir), List.of(), "", timeout, agent));

        assertTrue(result.timedOut());
        assertFalse(result.ok());
        // killed at the timeout, not before; how long after depends on the machine's load, so no upper bound
        assertTrue(result.elapsed().compareTo(timeout) >= 0, "ran " + result.elapsed());
        assertTrue(Files.exists(childPid), "the stand-in wrote its child's pid");
        long pid = Long.parseLong(Files.readString(childPid).strip());
        Optional<ProcessHandle> child = ProcessHandle.of(pid);
        if (child.isPresent()) {
            child.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the child was killed too");
    }

    @Test
    void qemusOwnComplaintsAreInTheResult() throws Exception {
        Path fakeQemu = Files.writeString(
                dir.resolve("fake-qemu"),
                "#!/bin/sh\necho \"qemu-system-x86_64: -device nope: 'nope' is not a valid device model name\" >&2\nexit 1\n");
        assertTrue(fakeQemu.toFile().setExecutable(true));
        Path agent = Files.write(dir.resolve("agent"), new byte[] {1});

        VmResult result = new VirtualMachine(fakeQemu.toString())
                .run(new VmRequest(fakeKernel(dir), List.of("-device", "nope"), "", TIMEOUT, agent));

        assertFalse(result.timedOut());
        assertEquals(1, result.exitCode());
        assertFalse(result.ok());
        assertTrue(result.qemuLog().contains("not a valid device model name"), result.qemuLog());
        assertEquals(List.of(), result.agentLines());
    }

    /**
     * Boots the installed Debian kernel with a placeholder agent (see hello-agent.c), which loads the
     * initramfs's modules and reports the IOMMU groups, with a virtio-rng device added.
     */
    @Test
    @Tag("oracle-vm")
    void bootsTheDebianKernelAndCollectsTheAgentsAnswers() throws Exception {
        assertTrue(
                VirtualMachine.locate(VirtualMachine.QEMU).isPresent(),
                "qemu-system-x86_64 is not installed (Debian's qemu-system-x86; scripts/oracle-ci.sh installs it)");
        assertTrue(VirtualMachine.locate("gcc").isPresent(), "gcc is not installed (Debian's gcc)");
        assertTrue(
                Files.isRegularFile(IommufdKernel.DEBIAN_TARBALL),
                "Debian's linux-source-6.12 is not installed (the agent's uapi headers come from it; scripts/oracle-ci.sh installs it)");
        List<Kernel> kernels = new KernelCatalog(
                        Path.of("/boot"),
                        Path.of("/lib/modules"),
                        new IommufdKernel(dir, dir.resolve("none"), dir, Optional.empty()))
                .distributionKernels();
        assertTrue(
                !kernels.isEmpty(),
                "no /boot/vmlinuz-* with /lib/modules (Debian's linux-image-amd64; scripts/oracle-ci.sh installs it)");
        Kernel kernel = kernels.getFirst();
        assertTrue(Files.isReadable(kernel.bzImage()), kernel.bzImage() + " is not readable by this user");

        Path source = dir.resolve("hello-agent.c");
        try (var in = VirtualMachineTest.class.getResourceAsStream("hello-agent.c")) {
            Files.write(source, in.readAllBytes());
        }
        Path agent = AgentBinary.standard().build(source);

        VmResult result = new VirtualMachine()
                .run(new VmRequest(kernel, List.of("-device", "virtio-rng-pci"), "the script\n", TIMEOUT, agent));

        String diagnosis = "agent: " + result.agentLines() + "\nqemu: " + result.qemuLog() + "\nconsole tail: "
                + tail(result.consoleLog());
        assertFalse(result.timedOut(), diagnosis);
        assertTrue(result.ok(), diagnosis);
        List<String> lines = result.agentLines();
        assertEquals("hello", lines.getFirst(), diagnosis);
        assertTrue(lines.contains("script the script"), diagnosis);
        assertTrue(lines.stream().noneMatch(l -> l.contains("\r")), diagnosis);
        List<String> modules =
                lines.stream().filter(l -> l.startsWith("module ")).toList();
        assertFalse(modules.isEmpty(), diagnosis);
        assertTrue(modules.stream().allMatch(l -> l.endsWith(" ok")), diagnosis);
        assertTrue(lines.contains("vfio-pci present"), "the vfio-pci module loaded: " + diagnosis);
        // The emulated IOMMU puts every PCI function in a group, the added virtio-rng (vendor 0x1af4) included.
        assertTrue(lines.stream().anyMatch(l -> l.matches("group \\d+ 0000:00:00\\.0 0x8086 .*")), diagnosis);
        assertTrue(
                lines.stream().anyMatch(l -> l.matches("group \\d+ 0000:00:0[0-9a-f]\\.0 0x1af4 0x10(05|44)")),
                diagnosis);
        assertEquals("bye", lines.getLast(), diagnosis);
        if (!VirtualMachine.keep()) {
            assertEquals(Optional.empty(), result.workDir(), "the run's directory is deleted unless kept");
        }
    }

    private static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
