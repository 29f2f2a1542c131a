package dev.custody.live;

import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.PciDeviceIds;
import dev.custody.model.Topology;
import dev.custody.topology.host.PciDriverAliases;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The drivers of a live host, folded into the machine its engine starts on. An imported capture knows
 * only the driver each device has now; the host also has drivers registered with no device, and id
 * tables that decide which driver drivers_probe or a hot-add binds. So every PCI driver registered on
 * the host joins the catalogue, and each device lists the registered drivers whose id tables match its
 * modalias (the kernel's module alias files, as modprobe reads them), in the files' order. A module
 * that is not loaded has no driver to bind and is left out; a driver loaded later is not in the
 * catalogue, and a bind of it seen on the host is reported rather than followed.
 */
final class HostDriverTables {
    /** Where the running kernel's modules and their alias files are. */
    static final Path MODULES = Path.of("/lib/modules");

    static final Path RELEASE = Path.of("/proc/sys/kernel/osrelease");

    private static final List<String> ALIAS_FILES = List.of("modules.alias", "modules.builtin.alias");

    private HostDriverTables() {}

    /** The alias files of the kernel this process runs on; none when they cannot be found (a note says so). */
    static PciDriverAliases ofRunningKernel(Consumer<String> notes) {
        try {
            String release =
                    Files.readString(RELEASE, StandardCharsets.US_ASCII).strip();
            return read(MODULES.resolve(release), notes);
        } catch (IOException e) {
            notes.accept("the running kernel's release cannot be read (" + e.getMessage()
                    + "): devices match no driver's id table");
            return PciDriverAliases.none();
        }
    }

    /** {@code modules.alias} and {@code modules.builtin.alias} in {@code directory}, those that exist. */
    static PciDriverAliases read(Path directory, Consumer<String> notes) {
        PciDriverAliases aliases = PciDriverAliases.none();
        for (String name : ALIAS_FILES) {
            Path file = directory.resolve(name);
            try (var lines = Files.lines(file, StandardCharsets.US_ASCII)) {
                aliases = aliases.and(PciDriverAliases.parse(lines));
            } catch (NoSuchFileException absent) {
                notes.accept(file + " is missing: its drivers' id tables are not known");
            } catch (IOException | java.io.UncheckedIOException e) {
                notes.accept(file + " cannot be read (" + e.getMessage() + "): its drivers' id tables are not known");
            }
        }
        return aliases;
    }

    /** {@code machine} with the host's registered drivers in its catalogue and each device's matching ones. */
    static Topology appliedTo(Topology machine, HostSysfs sysfs, PciDriverAliases aliases) {
        List<String> registered = sysfs.registeredDrivers();
        SequencedMap<String, DriverSpec> drivers = new LinkedHashMap<>(machine.drivers());
        for (String name : registered) {
            drivers.putIfAbsent(name, specOf(name));
        }
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        for (DeviceSpec device : machine.devices().values()) {
            Set<String> matches = new LinkedHashSet<>(device.matches());
            Optional<String> modalias = sysfs.modalias(device.id());
            if (modalias.isPresent()) {
                for (String module : aliases.modulesFor(modalias.get())) {
                    registered.stream()
                            .filter(driver -> sameName(driver, module))
                            .forEach(matches::add);
                }
            }
            devices.put(
                    device.id(),
                    new DeviceSpec(
                            device.id(),
                            device.iommu(),
                            device.group(),
                            new ArrayList<>(matches),
                            device.requireDirect(),
                            device.present(),
                            device.bootDriver(),
                            device.upstreamBridge(),
                            device.pciIds().or(() -> modalias.flatMap(HostDriverTables::idsOf))));
        }
        return new Topology(machine.iommus(), drivers, devices);
    }

    /**
     * The vendor and device a PCI modalias begins with ({@code pci:v00001AF4d00001041sv...}), which
     * dynamic ids are matched against; empty for a modalias of another form.
     */
    static Optional<PciDeviceIds> idsOf(String modalias) {
        var match = MODALIAS_IDS.matcher(modalias);
        if (!match.lookingAt()) {
            return Optional.empty();
        }
        return Optional.of(new PciDeviceIds(
                Integer.parseInt(match.group(1).substring(4), 16),
                Integer.parseInt(match.group(2).substring(4), 16)));
    }

    private static final java.util.regex.Pattern MODALIAS_IDS =
            java.util.regex.Pattern.compile("pci:v(0000[0-9A-Fa-f]{4})d(0000[0-9A-Fa-f]{4})");

    /**
     * A driver the catalogue does not know: a VFIO variant driver (mlx5_vfio_pci and the like) manages
     * DMA itself and registers with VFIO as vfio-pci does; any other takes the default domain (kernel DMA).
     */
    static DriverSpec specOf(String name) {
        String normal = name.replace('-', '_');
        return normal.endsWith("vfio_pci") ? new DriverSpec(name, true, true) : DriverSpec.kernelDma(name);
    }

    /** A module registers its driver under its own name, give or take '-' for '_' (virtio_pci, "virtio-pci"). */
    static boolean sameName(String driver, String module) {
        return driver.replace('-', '_').equals(module.replace('-', '_'));
    }
}
