package dev.custody.oracle.vm;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The guest's whole root file system, as an uncompressed cpio archive:
 * <ul>
 *   <li>{@code /init}: the agent (the kernel runs it as PID 1),</li>
 *   <li>{@code /script}: what the agent is to do, written by the caller,</li>
 *   <li>{@code /modules/*.ko} and {@code /modules/order}: for a distribution kernel, the VFIO and
 *       device drivers with their dependencies, one absolute path per line in load order (empty for a
 *       kernel with everything built in),</li>
 *   <li>empty {@code /dev /proc /sys} for the agent to mount devtmpfs, proc and sysfs on, and
 *       {@code /dev/console}, which the kernel opens for init's stdin/stdout/stderr before anything is
 *       mounted.</li>
 *   <li>whatever {@link GuestFile}s the caller adds (a JDK, its libraries).</li>
 * </ul>
 */
public final class Initramfs {
    /** The drivers the agent may need; those a kernel lacks or has built in are left out. */
    public static final List<String> AGENT_MODULES = List.of(
            "vfio",
            "vfio_iommu_type1",
            "vfio-pci-core",
            "vfio-pci",
            "pci-stub",
            "virtio_pci",
            "virtio_net",
            "virtio_rng",
            "nvme",
            "e1000e",
            "ahci");
    /** Where the agent finds its load order. */
    public static final String MODULE_ORDER = "/modules/order";
    /** The entries every archive has; extra entries may not replace them. */
    static final Set<String> STANDARD = Set.of("dev", "proc", "sys", "modules", "dev/console", "init", "script");

    private Initramfs() {}

    /**
     * Writes the archive to {@code out}.
     *
     * @param modulesDir the kernel's {@code /lib/modules/<release>}, or empty for a kernel without modules
     * @return what was planned for the modules (empty lists without a modules directory)
     */
    public static ModuleOrder.Plan write(Path out, Path agentBinary, String script, Optional<Path> modulesDir) {
        return write(out, agentBinary, script, modulesDir, List.of());
    }

    /**
     * Writes the archive with {@code extra} entries after the standard ones, in their order.
     *
     * @throws IllegalArgumentException when an extra entry has the path of a standard one
     */
    public static ModuleOrder.Plan write(
            Path out, Path agentBinary, String script, Optional<Path> modulesDir, List<GuestFile> extra) {
        for (GuestFile file : extra) {
            if (STANDARD.contains(file.path()) || file.path().startsWith("modules/")) {
                throw new IllegalArgumentException("the initramfs already has " + file.path());
            }
        }
        ModuleOrder.Plan plan = modulesDir
                .map(dir -> ModuleOrder.resolve(dir, AGENT_MODULES))
                .orElse(new ModuleOrder.Plan(List.of(), List.of(), List.of()));
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(out));
                CpioWriter cpio = new CpioWriter(file)) {
            for (String dir : List.of("dev", "proc", "sys", "modules")) {
                cpio.directory(dir, 0755);
            }
            cpio.charDevice("dev/console", 0600, 5, 1);
            cpio.file("init", 0755, Files.readAllBytes(agentBinary));
            cpio.file("script", 0644, script.getBytes(StandardCharsets.UTF_8));
            StringBuilder order = new StringBuilder();
            Set<String> names = new HashSet<>();
            for (String relative : plan.load()) {
                String name = relative.substring(relative.lastIndexOf('/') + 1);
                if (!names.add(name)) {
                    throw new IllegalStateException("two modules named " + name + " in the load order");
                }
                cpio.file(
                        "modules/" + name,
                        0644,
                        Files.readAllBytes(modulesDir.orElseThrow().resolve(relative)));
                order.append("/modules/").append(name).append('\n');
            }
            cpio.file(MODULE_ORDER.substring(1), 0644, order.toString().getBytes(StandardCharsets.UTF_8));
            for (GuestFile entry : extra) {
                switch (entry.kind()) {
                    case DIRECTORY -> cpio.directory(entry.path(), entry.mode());
                    case SYMLINK -> cpio.symlink(entry.path(), entry.target().orElseThrow());
                    case FILE -> {
                        if (entry.source().isPresent()) {
                            cpio.file(entry.path(), entry.mode(), entry.source().get());
                        } else {
                            cpio.file(entry.path(), entry.mode(), entry.data().orElseThrow());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the initramfs " + out, e);
        }
        return plan;
    }
}
