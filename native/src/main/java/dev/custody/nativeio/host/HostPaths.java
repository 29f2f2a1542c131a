package dev.custody.nativeio.host;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the host's kernel interfaces are: sysfs and the device nodes. The catalogue's lines name
 * sysfs files by their absolute paths ({@code /sys/bus/pci/...}); those are read under
 * {@link #sysfs()}, so a test can stand a directory tree in for the kernel.
 *
 * @param sysfs what {@code /sys} is
 * @param dev   what {@code /dev} is
 */
public record HostPaths(Path sysfs, Path dev) {
    private static final String SYS = "/sys";

    public HostPaths {
        Objects.requireNonNull(sysfs, "sysfs");
        Objects.requireNonNull(dev, "dev");
    }

    /** The host's own {@code /sys} and {@code /dev}. */
    public static HostPaths standard() {
        return new HostPaths(Path.of(SYS), Path.of("/dev"));
    }

    /** A path as a line names it: one under {@code /sys} is found under {@link #sysfs()}, any other as it is. */
    Path named(String absolute) {
        if (absolute.equals(SYS)) {
            return sysfs;
        }
        if (absolute.startsWith(SYS + "/")) {
            return sysfs.resolve(absolute.substring(SYS.length() + 1));
        }
        return Path.of(absolute);
    }

    /** {@code /sys/bus/pci/devices/DEVICE/FILE}; an empty file names the device's directory. */
    Path deviceFile(String device, String file) {
        Path directory = sysfs.resolve("bus/pci/devices").resolve(device);
        return file.isEmpty() ? directory : directory.resolve(file);
    }

    /** {@code /sys/bus/pci/drivers/DRIVER/FILE}. */
    Path driverFile(String driver, String file) {
        return sysfs.resolve("bus/pci/drivers").resolve(driver).resolve(file);
    }

    Path device(String node) {
        return dev.resolve(node);
    }
}
