package dev.custody.topology.sysfs;

import dev.custody.topology.PciAddress;
import dev.custody.topology.PciFunction;
import dev.custody.topology.PciTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Writes PCI functions as the live {@code /sys} shows them, under a test's root: each function's
 * directory under {@code devices/pci0000:00}, nested below its upstream bridge's;
 * {@code bus/pci/devices/ADDRESS} a relative symbolic link to it; {@code driver} a link to
 * {@code bus/pci/drivers/NAME} and {@code iommu_group} one to {@code kernel/iommu_groups/N}, both
 * directories existing as they do in sysfs; {@code driver_override} holding {@code (null)}. The
 * changes the tests make behind the engine's back are here too, done the way the kernel does them.
 */
public final class LiveSysfsFixture {

    public static final String DEVICES = "bus/pci/devices";
    public static final String DRIVER_OVERRIDE = "driver_override";

    private LiveSysfsFixture() {}

    /** The q35 guest's functions with their drivers and groups (the committed capture's contents). */
    public static List<PciFunction> q35() {
        return Q35Capture.functions();
    }

    /** Writes the functions under {@code root} (which stands for /sys) and returns root. */
    public static Path write(Path root, List<PciFunction> functions) throws IOException {
        var topology = PciTopology.of(functions);
        Files.createDirectories(root.resolve(DEVICES));
        for (var f : functions) {
            var dir = realDirectory(root, topology, f.address());
            CaptureFixture.write(dir.getParent(), List.of(f)); // writes dir, named by the address
            Files.deleteIfExists(dir.resolve(SysfsCapture.DRIVER));
            Files.deleteIfExists(dir.resolve(SysfsCapture.IOMMU_GROUP));
            Files.writeString(dir.resolve(DRIVER_OVERRIDE), "(null)\n");
            if (f.reportedGroup().isPresent()) {
                var group =
                        root.resolve("kernel/iommu_groups/" + f.reportedGroup().getAsInt());
                Files.createDirectories(group);
                Files.createSymbolicLink(dir.resolve(SysfsCapture.IOMMU_GROUP), dir.relativize(group));
            }
            Files.createSymbolicLink(
                    root.resolve(DEVICES).resolve(f.address().toString()),
                    root.resolve(DEVICES).relativize(dir));
            if (f.driver().isPresent())
                bind(root, f.address().toString(), f.driver().get());
        }
        return root;
    }

    /** Where sysfs keeps the function: below its bridges, {@code devices/pci0000:00/0000:00:04.0/0000:02:01.0}. */
    private static Path realDirectory(Path root, PciTopology topology, PciAddress address) {
        var bridge = topology.upstreamBridge(address.busAddress());
        var parent = bridge.isPresent()
                ? realDirectory(root, topology, bridge.get().address())
                : root.resolve("devices/pci%04x:%02x".formatted(address.segment(), address.bus()));
        return parent.resolve(address.toString());
    }

    /** The function's entry under {@code bus/pci/devices} (a symbolic link to its directory). */
    public static Path device(Path root, String address) {
        return root.resolve(DEVICES).resolve(address);
    }

    /** What a bind does to sysfs: the {@code driver} link appears. */
    public static void bind(Path root, String address, String driver) throws IOException {
        var drivers = Files.createDirectories(root.resolve("bus/pci/drivers/" + driver));
        var dir = device(root, address).toRealPath();
        Files.createSymbolicLink(dir.resolve(SysfsCapture.DRIVER), dir.relativize(drivers.toRealPath()));
    }

    /** What an unbind does to sysfs: the {@code driver} link goes. */
    public static void unbind(Path root, String address) throws IOException {
        Files.delete(device(root, address).toRealPath().resolve(SysfsCapture.DRIVER));
    }

    /** A write to {@code driver_override}; empty clears it, which sysfs then shows as {@code (null)}. */
    public static void override(Path root, String address, Optional<String> driver) throws IOException {
        Files.writeString(device(root, address).resolve(DRIVER_OVERRIDE), driver.orElse("(null)") + "\n");
    }

    /**
     * A hot-plug of one of the q35 functions after {@link #remove}: its entry comes back, as a new
     * device would, with no driver and no override.
     */
    public static void plugBack(Path root, String address) throws IOException {
        var topology = PciTopology.of(q35());
        var dir = realDirectory(root, topology, PciAddress.parse(address));
        Files.deleteIfExists(dir.resolve(SysfsCapture.DRIVER));
        Files.writeString(dir.resolve(DRIVER_OVERRIDE), "(null)\n");
        Files.createSymbolicLink(device(root, address), root.resolve(DEVICES).relativize(dir));
    }

    /** A hot-unplug: the {@code bus/pci/devices} entry goes (the directory with it, here only the link). */
    public static void remove(Path root, String address) throws IOException {
        Files.delete(device(root, address));
    }
}
