package dev.custody.nativeio.host;

import static dev.custody.nativeio.host.HostContext.ioctlErrno;
import static dev.custody.nativeio.host.HostContext.values;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.custody.nativeio.uapi.Ioctl;
import dev.custody.nativeio.uapi.VfioType1;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The PCI hot reset of a VFIO device and its info (VFIO_DEVICE_GET_PCI_HOT_RESET_INFO and
 * VFIO_DEVICE_PCI_HOT_RESET), answered as the C agent answers them.
 */
final class HotResetVerbs {
    private static final long GET_PCI_HOT_RESET_INFO = Ioctl.io(VfioType1.TYPE, 100 + 12);
    private static final long PCI_HOT_RESET = Ioctl.io(VfioType1.TYPE, 100 + 13);
    /** VFIO_PCI_HOT_RESET_FLAG_DEV_ID and _DEV_ID_OWNED. */
    private static final int FLAG_DEV_ID = 1;

    private static final int FLAG_DEV_ID_OWNED = 1 << 1;
    /** The buffer's room, as the C agent's. */
    private static final int ENTRIES = 32;
    /** struct vfio_pci_hot_reset_info {argsz, flags, count} and each vfio_pci_dependent_device. */
    private static final int INFO_HEADER = 12;

    private static final int ENTRY = 8;
    /** struct vfio_pci_hot_reset {argsz, flags, count} and each group fd. */
    private static final int RESET_HEADER = 12;

    private static final int ENOSPC = 28;

    private final HostContext host;

    HotResetVerbs(HostContext host) {
        this.host = host;
    }

    List<Verb> verbs() {
        return List.of(new Verb("hot-reset-info", 2, this::info), new Verb("hot-reset", 3, this::reset));
    }

    /**
     * hot-reset-info DEVICE NUM: count, flags, distinct groups (group path) and devids ascending (cdev
     * path); ENOSPC with the count wanted. On a container or an iommufd the number is
     * VFIO_IOMMU_GET_INFO's, so nothing of a hot-reset answer is printed there.
     */
    private AgentAnswer info(String step, List<String> args) throws BadLine {
        long asked = AgentNumbers.number(args.get(1));
        long room = Long.compareUnsigned(asked, ENTRIES) > 0 ? ENTRIES : asked;
        int fd = host.names.fd(args.get(0));
        try (Arena call = Arena.ofConfined()) {
            MemorySegment info = call.allocate(INFO_HEADER + (long) ENTRIES * ENTRY, 8);
            info.set(JAVA_INT, 0, (int) (INFO_HEADER + room * ENTRY));
            int err = ioctlErrno(fd, GET_PCI_HOT_RESET_INFO, info);
            int count = info.get(JAVA_INT, 8);
            if (err == ENOSPC) {
                return AgentAnswer.result(step, "ENOSPC", values("count", Integer.toUnsignedString(count)));
            }
            if (err != 0 || iommuFile(fd)) {
                return host.result(step, err);
            }
            int flags = info.get(JAVA_INT, 4);
            boolean byDevid = (flags & FLAG_DEV_ID) != 0;
            int listed = Math.min(count, ENTRIES);
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < listed; i++) {
                ids.add(info.get(JAVA_INT, INFO_HEADER + (long) i * ENTRY)); // group id, or the devid
            }
            String flagNames = (byDevid ? "DEV_ID" : "") + ((flags & FLAG_DEV_ID_OWNED) != 0 ? ",DEV_ID_OWNED" : "");
            List<String> devids = new ArrayList<>();
            if (byDevid) {
                ids.stream().sorted().forEach(id -> devids.add(Integer.toString(id)));
            }
            return host.result(
                    step,
                    0,
                    values(
                            "count", Integer.toUnsignedString(count),
                            "flags", flagNames,
                            "groups",
                                    Long.toString(
                                            byDevid
                                                    ? 0
                                                    : ids.stream().distinct().count()),
                            "devids", String.join(",", devids)));
        }
    }

    /** hot-reset DEVICE FLAGS GROUP,GROUP|-: the group fds of the legacy form, - for a cdev's empty array. */
    private AgentAnswer reset(String step, List<String> args) throws BadLine {
        List<String> groups =
                args.get(2).equals("-") ? List.of() : List.of(args.get(2).split(","));
        int count = Math.min(groups.size(), ENTRIES);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment reset = call.allocate(RESET_HEADER + (long) ENTRIES * 4, 8);
            reset.set(JAVA_INT, 0, RESET_HEADER + count * 4);
            reset.set(JAVA_INT, 4, (int) AgentNumbers.number(args.get(1)));
            reset.set(JAVA_INT, 8, count);
            for (int i = 0; i < count; i++) {
                reset.set(JAVA_INT, RESET_HEADER + i * 4L, host.names.fd(groups.get(i)));
            }
            return host.result(step, ioctlErrno(host.names.fd(args.get(0)), PCI_HOT_RESET, reset));
        }
    }

    private static boolean iommuFile(int fd) {
        try {
            String target =
                    Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.equals("/dev/vfio/vfio") || target.equals("/dev/iommu");
        } catch (IOException | UnsupportedOperationException notALink) {
            return false;
        }
    }
}
