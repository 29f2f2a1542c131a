package dev.custody.live;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What live host mode needs before it touches anything: root, because sysfs binds and VFIO and iommufd
 * opens are root's; and an IOMMU user space can drive ({@code /dev/iommu} or {@code /dev/vfio/vfio}). A
 * dry run carries nothing out, so it needs no root, but still a host with an IOMMU to compare against.
 */
public final class LivePreconditions {
    private LivePreconditions() {}

    /** Why live mode cannot run here, or empty. {@code uid}: the process's effective user id. */
    public static Optional<String> refusal(boolean dryRun, Path devices, long uid) {
        if (!dryRun && uid != 0) {
            return Optional.of("live host mode needs root: this process runs as uid " + uid
                    + " (--dry-run, which carries nothing out, does not)");
        }
        Path iommufd = devices.resolve("iommu");
        Path vfio = devices.resolve("vfio").resolve("vfio");
        if (!Files.exists(iommufd) && !Files.exists(vfio)) {
            return Optional.of("this host has neither " + iommufd + " nor " + vfio
                    + ": no IOMMU user space can drive, so nothing to carry decisions out on");
        }
        return Optional.empty();
    }

    /** The effective user id of this process: the owner of its {@code /proc/self}. */
    public static long effectiveUid() throws IOException {
        return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    }
}
