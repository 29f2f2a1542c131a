package dev.custody.nativeio.host;

import static dev.custody.nativeio.host.HostContext.values;

import dev.custody.nativeio.libc.LibcSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The driver core's sysfs files: bind, unbind, probe, remove, add (rescan), new_id, any attribute
 * ("sysfs"), and the devices' drivers ("state") and IOMMU groups ("groups").
 */
final class DriverCoreVerbs {
    private static final int ENODEV = 19;
    private static final int EEXIST = 17;
    private static final String NONE = "none";

    private final HostContext host;

    DriverCoreVerbs(HostContext host) {
        this.host = host;
    }

    List<Verb> verbs() {
        return List.of(
                new Verb("bind", 3, this::bind),
                new Verb("unbind", 1, this::unbind),
                new Verb("probe", 1, this::probe),
                new Verb("remove", 1, this::remove),
                new Verb("add", 2, this::add),
                new Verb("sysfs", 3, this::sysfs),
                new Verb("new-id", 3, this::newId),
                new Verb("id-write", 3, this::idWrite),
                new Verb("state", 0, this::state),
                new Verb("groups", 0, (step, args) -> groups(step)));
    }

    /**
     * bind DEVICE DRIVER MAY_OVERRIDE: vfio-pci and pci-stub match no ids, so an explicit bind sets
     * driver_override around the bind, as an administrator does, when no override is set; an
     * override the scenario set stays and decides, as it does in the kernel.
     */
    private AgentAnswer bind(String step, List<String> args) throws BadLine {
        String device = args.get(0);
        String driver = args.get(1);
        boolean withOverride = AgentNumbers.number(args.get(2)) != 0 && overrideUnset(device);
        List<SysfsWrites.Write> writes = new ArrayList<>();
        if (withOverride) {
            writes.add(new SysfsWrites.Write(host.paths.deviceFile(device, "driver_override"), driver, false));
        }
        writes.add(new SysfsWrites.Write(host.paths.driverFile(driver, "bind"), device, false));
        int err = host.writes.run(step, writes, SysfsWrites.ALL_CAPABILITIES);
        if (withOverride && err != SysfsWrites.PENDING) {
            // the override was only the means of the bind; clear it whatever the bind answered
            host.writes.run(
                    step,
                    List.of(new SysfsWrites.Write(host.paths.deviceFile(device, "driver_override"), "-", true)),
                    SysfsWrites.ALL_CAPABILITIES);
        }
        return host.written(step, err);
    }

    /**
     * unbind DEVICE: through the driver it is bound to; an unbound device has no driver to ask, which
     * sysfs answers with ENODEV (unbind_store with a device the driver does not hold).
     */
    private AgentAnswer unbind(String step, List<String> args) {
        String driver = driverOf(args.get(0));
        if (driver.equals(NONE)) {
            return host.result(step, ENODEV);
        }
        return writeOne(step, host.paths.driverFile(driver, "unbind"), args.get(0), SysfsWrites.ALL_CAPABILITIES);
    }

    private AgentAnswer probe(String step, List<String> args) {
        int err = host.writes.run(
                step,
                List.of(new SysfsWrites.Write(host.paths.sysfs().resolve("bus/pci/drivers_probe"), args.get(0), false)),
                SysfsWrites.ALL_CAPABILITIES);
        return host.written(step, err, values("driver", driverOf(args.get(0))));
    }

    private AgentAnswer remove(String step, List<String> args) {
        if (!deviceExists(args.get(0))) {
            return host.result(step, ENODEV);
        }
        return writeOne(step, host.paths.deviceFile(args.get(0), "remove"), "1", SysfsWrites.ALL_CAPABILITIES);
    }

    /**
     * add DEVICE RESCAN: the rescan file of the bus the device sits on (a bridge's own one rescans
     * only behind it, so other absent devices stay absent), or /sys/bus/pci/rescan.
     */
    private AgentAnswer add(String step, List<String> args) {
        if (deviceExists(args.get(0))) {
            return host.result(step, EEXIST);
        }
        int err = host.writes.run(
                step,
                List.of(new SysfsWrites.Write(host.paths.named(args.get(1)), "1", false)),
                SysfsWrites.ALL_CAPABILITIES);
        if (err == 0 && !deviceExists(args.get(0))) {
            err = ENODEV;
        }
        return host.written(step, err);
    }

    /** sysfs CAPABILITIES PATH VALUE: the write made with only those capabilities ("all", or names such as SYS_ADMIN). */
    private AgentAnswer sysfs(String step, List<String> args) {
        return writeOne(step, host.paths.named(args.get(1)), args.get(2), capabilityMask(args.get(0)));
    }

    /** new-id DRIVER VENDOR DEVICE: a dynamic id, which makes the driver match devices with that id. */
    private AgentAnswer newId(String step, List<String> args) {
        return writeOne(
                step,
                host.paths.driverFile(args.get(0), "new_id"),
                args.get(1) + " " + args.get(2),
                SysfsWrites.ALL_CAPABILITIES);
    }

    /**
     * id-write DRIVER FILE WORD...: the words, one space apart, written to the driver's new_id or
     * remove_id, as a user writes any text there; no other file of a driver is written this way.
     */
    private AgentAnswer idWrite(String step, List<String> args) throws BadLine {
        String file = args.get(1);
        if (!file.equals("new_id") && !file.equals("remove_id")) {
            throw new BadLine("id-write writes new_id or remove_id, not " + file);
        }
        return writeOne(
                step,
                host.paths.driverFile(args.get(0), file),
                String.join(" ", args.subList(2, args.size())),
                SysfsWrites.ALL_CAPABILITIES);
    }

    /** state DEVICE...: each device's driver, "none", or "absent" for a device that is not there. */
    private AgentAnswer state(String step, List<String> args) {
        List<String> devices = new ArrayList<>();
        for (String device : args) {
            devices.add(device + ":" + (deviceExists(device) ? driverOf(device) : "absent"));
        }
        return host.result(step, 0, values("devices", String.join(",", devices)));
    }

    private AgentAnswer groups(String step) {
        Path root = host.paths.sysfs().resolve("kernel/iommu_groups");
        List<List<String>> groups = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            for (Path group : entries.toList()) {
                List<String> line = new ArrayList<>(List.of(group.getFileName().toString()));
                try (Stream<Path> devices = Files.list(group.resolve("devices"))) {
                    devices.forEach(d -> line.add(d.getFileName().toString()));
                } catch (IOException noDevices) {
                    // a group without its devices directory lists none, as the agent does
                }
                groups.add(line);
            }
        } catch (IOException e) {
            return new AgentAnswer.Problem(step, "no /sys/kernel/iommu_groups: " + Errnos.of(e));
        }
        return new AgentAnswer.Groups(groups);
    }

    private AgentAnswer writeOne(String step, Path path, String value, long capabilities) {
        return host.written(
                step, host.writes.run(step, List.of(new SysfsWrites.Write(path, value, false)), capabilities));
    }

    static long capabilityMask(String capabilities) {
        if (capabilities.equals("all")) {
            return SysfsWrites.ALL_CAPABILITIES;
        }
        long mask = 0;
        if (capabilities.contains("SYS_ADMIN")) {
            mask |= 1L << LibcSystem.CAP_SYS_ADMIN;
        }
        if (capabilities.contains("SYS_RAWIO")) {
            mask |= 1L << LibcSystem.CAP_SYS_RAWIO;
        }
        if (capabilities.contains("SYS_RESOURCE")) {
            mask |= 1L << LibcSystem.CAP_SYS_RESOURCE;
        }
        return mask;
    }

    /** The name of the driver a device is bound to, or "none". */
    String driverOf(String device) {
        try {
            Path target = Files.readSymbolicLink(host.paths.deviceFile(device, "driver"));
            return target.getFileName().toString();
        } catch (IOException | UnsupportedOperationException notBound) {
            return NONE;
        }
    }

    /** Whether the device's driver_override is unset ("(null)" or empty); a missing file counts as set. */
    private boolean overrideUnset(String device) {
        try {
            String text = Files.readString(host.paths.deviceFile(device, "driver_override"));
            return text.isEmpty() || text.startsWith("(null)");
        } catch (IOException missing) {
            return false;
        }
    }

    boolean deviceExists(String device) {
        return Files.exists(host.paths.deviceFile(device, ""));
    }
}
