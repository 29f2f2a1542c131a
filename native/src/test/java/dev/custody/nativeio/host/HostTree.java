package dev.custody.nativeio.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A directory tree standing in for /sys and /dev: plain files where the kernel has attributes. */
final class HostTree {
    final Path sys;
    final Path dev;

    HostTree(Path root) {
        this.sys = root.resolve("sys");
        this.dev = root.resolve("dev");
        try {
            Files.createDirectories(sys.resolve("bus/pci/devices"));
            Files.createDirectories(sys.resolve("bus/pci/drivers"));
            Files.createDirectories(dev);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HostPaths paths() {
        return new HostPaths(sys, dev);
    }

    /** A driver's directory with its bind, unbind, new_id and remove_id files. */
    HostTree driver(String name) {
        Path dir = sys.resolve("bus/pci/drivers").resolve(name);
        write(dir.resolve("bind"), "");
        write(dir.resolve("unbind"), "");
        write(dir.resolve("new_id"), "");
        write(dir.resolve("remove_id"), "");
        return this;
    }

    /** A device, bound to {@code driver} unless it is null, with an unset driver_override. */
    HostTree device(String address, String driver) {
        Path dir = sys.resolve("bus/pci/devices").resolve(address);
        write(dir.resolve("driver_override"), "(null)\n");
        write(dir.resolve("remove"), "");
        if (driver != null) {
            try {
                Files.createSymbolicLink(
                        dir.resolve("driver"), sys.resolve("bus/pci/drivers").resolve(driver));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return this;
    }

    /** An IOMMU group with its devices. */
    HostTree group(String number, String... devices) {
        Path dir = sys.resolve("kernel/iommu_groups").resolve(number).resolve("devices");
        try {
            Files.createDirectories(dir);
            for (String device : devices) {
                Files.createSymbolicLink(
                        dir.resolve(device), sys.resolve("bus/pci/devices").resolve(device));
                Files.createSymbolicLink(
                        sys.resolve("bus/pci/devices").resolve(device).resolve("iommu_group"),
                        sys.resolve("kernel/iommu_groups").resolve(number));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** A file under /dev that is no device: ioctls on it get ENOTTY, as on any regular file. */
    HostTree plainNode(String node) {
        write(dev.resolve(node), "");
        return this;
    }

    String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
