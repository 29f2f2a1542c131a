package dev.custody.oracle.vm;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A kernel the oracle can boot.
 *
 * @param name       how users pick it, e.g. {@code debian-6.1.0-56-amd64} or {@code iommufd-6.12.117}
 * @param release    its {@code uname -r}
 * @param bzImage    the image QEMU's {@code -kernel} boots
 * @param modulesDir {@code /lib/modules/<release>} for a distribution kernel whose VFIO and device
 *                   drivers are modules (they go into the initramfs); empty for a kernel with
 *                   everything built in
 * @param iommufd    whether it has {@code /dev/iommu} and VFIO device cdevs (Debian's kernels do not)
 */
public record Kernel(String name, String release, Path bzImage, Optional<Path> modulesDir, boolean iommufd) {
    public Kernel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(release, "release");
        Objects.requireNonNull(bzImage, "bzImage");
        Objects.requireNonNull(modulesDir, "modulesDir");
    }
}
