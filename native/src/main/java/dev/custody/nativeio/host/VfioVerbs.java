package dev.custody.nativeio.host;

import static dev.custody.nativeio.host.HostContext.ioctlErrno;
import static dev.custody.nativeio.host.HostContext.values;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.uapi.Vfio;
import dev.custody.nativeio.uapi.VfioType1;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** The legacy VFIO calls: a group's status and container, the container's IOMMU and type1 DMA maps, device fds. */
final class VfioVerbs {
    private static final long PAGE = 4096;
    private static final long MOST_BACKED = 1L << 32;

    private final HostContext host;

    VfioVerbs(HostContext host) {
        this.host = host;
    }

    List<Verb> verbs() {
        return List.of(
                new Verb("group-status", 1, this::groupStatus),
                new Verb("set-container", 2, this::setContainer),
                new Verb("unset-container", 1, this::unsetContainer),
                new Verb("set-iommu", 2, this::setIommu),
                new Verb("check-extension", 2, this::checkExtension),
                new Verb("get-device-fd", 3, this::getDeviceFd),
                new Verb("map-dma", 5, this::mapDma),
                new Verb("unmap-dma", 4, this::unmapDma));
    }

    private AgentAnswer groupStatus(String step, List<String> args) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment status = call.allocate(Vfio.GroupStatus.LAYOUT);
            Vfio.GroupStatus.ARGSZ.set(status, (int) Vfio.GroupStatus.LAYOUT.byteSize());
            int err = ioctlErrno(host.names.fd(args.get(0)), Vfio.VFIO_GROUP_GET_STATUS, status);
            int flags = (int) Vfio.GroupStatus.FLAGS.get(status);
            List<String> names = new ArrayList<>();
            if ((flags & Vfio.GROUP_FLAGS_VIABLE) != 0) {
                names.add("VIABLE");
            }
            if ((flags & Vfio.GROUP_FLAGS_CONTAINER_SET) != 0) {
                names.add("CONTAINER_SET");
            }
            return host.result(step, err, values("flags", String.join(",", names)));
        }
    }

    private AgentAnswer setContainer(String step, List<String> args) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment container = call.allocateFrom(JAVA_INT, host.names.fd(args.get(1)));
            return host.result(step, ioctlErrno(host.names.fd(args.get(0)), Vfio.VFIO_GROUP_SET_CONTAINER, container));
        }
    }

    private AgentAnswer unsetContainer(String step, List<String> args) {
        return host.result(
                step, ioctlErrno(host.names.fd(args.get(0)), Vfio.VFIO_GROUP_UNSET_CONTAINER, MemorySegment.NULL));
    }

    /** The IOMMU type is the ioctl's argument itself, not a pointer to it. */
    private AgentAnswer setIommu(String step, List<String> args) throws BadLine {
        long type = AgentNumbers.number(args.get(1));
        return host.result(
                step, ioctlErrno(host.names.fd(args.get(0)), Vfio.VFIO_SET_IOMMU, MemorySegment.ofAddress(type)));
    }

    /** VFIO_CHECK_EXTENSION answers with the ioctl's return value itself: 1 offered, 0 not. */
    private AgentAnswer checkExtension(String step, List<String> args) throws BadLine {
        long extension = AgentNumbers.number(args.get(1));
        int answer =
                Libc.ioctl(host.names.fd(args.get(0)), Vfio.VFIO_CHECK_EXTENSION, MemorySegment.ofAddress(extension));
        return host.result(step, answer < 0 ? -answer : 0, values("supported", Integer.toString(answer)));
    }

    /** get-device-fd GROUP DEVICE NAME: the device's name is a C string the kernel compares. */
    private AgentAnswer getDeviceFd(String step, List<String> args) {
        AgentName name = host.names.of(args.get(2));
        try (Arena call = Arena.ofConfined()) {
            int fd = Libc.ioctl(
                    host.names.fd(args.get(0)), Vfio.VFIO_GROUP_GET_DEVICE_FD, call.allocateFrom(args.get(1)));
            name.fd = fd < 0 ? -1 : fd;
            return host.result(step, fd < 0 ? -fd : 0);
        }
    }

    /** map-dma CONTAINER IOVA VADDR SIZE ACCESS: type1 pins the caller's pages, so VADDR is backed first. */
    private AgentAnswer mapDma(String step, List<String> args) throws BadLine {
        long iova = AgentNumbers.number(args.get(1));
        long vaddr = AgentNumbers.number(args.get(2));
        long size = AgentNumbers.number(args.get(3));
        int flags = (args.get(4).contains("r") ? VfioType1.DMA_MAP_FLAG_READ : 0)
                | (args.get(4).contains("w") ? VfioType1.DMA_MAP_FLAG_WRITE : 0);
        backUserRange(vaddr, size);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment map = call.allocate(VfioType1.DmaMap.LAYOUT);
            VfioType1.DmaMap.ARGSZ.set(map, (int) VfioType1.DmaMap.LAYOUT.byteSize());
            VfioType1.DmaMap.FLAGS.set(map, flags);
            VfioType1.DmaMap.VADDR.set(map, vaddr);
            VfioType1.DmaMap.IOVA.set(map, iova);
            VfioType1.DmaMap.SIZE.set(map, size);
            int err = ioctlErrno(host.names.fd(args.get(0)), VfioType1.VFIO_IOMMU_MAP_DMA, map);
            if (err == 0) {
                host.owners.mapped(MapOwners.Owner.container(args.get(0)), vaddr, iova, size);
            } else {
                host.owners.notMapped();
            }
            return host.result(step, err);
        }
    }

    /**
     * User memory where a scenario's vaddr points: anonymous pages, placed only where nothing is
     * mapped yet (the JVM's own mappings stay as they are). It is the container's ({@link MapOwners}):
     * freed when the container's unmaps or its close end the last map of it, as the C agent's would be
     * when its process ends. Memory of ours already there (an earlier map of the address) is used again.
     */
    private void backUserRange(long vaddr, long size) {
        long start = vaddr & ~(PAGE - 1);
        long end = (vaddr + size + PAGE - 1) & ~(PAGE - 1);
        if (size == 0 || Long.compareUnsigned(end, start) <= 0 || Long.compareUnsigned(end - start, MOST_BACKED) > 0) {
            return;
        }
        host.owners.allocateAt(start, end - start);
    }

    private AgentAnswer unmapDma(String step, List<String> args) throws BadLine {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment unmap = call.allocate(VfioType1.DmaUnmap.LAYOUT);
            VfioType1.DmaUnmap.ARGSZ.set(unmap, (int) VfioType1.DmaUnmap.LAYOUT.byteSize());
            VfioType1.DmaUnmap.IOVA.set(unmap, AgentNumbers.number(args.get(1)));
            VfioType1.DmaUnmap.SIZE.set(unmap, AgentNumbers.number(args.get(2)));
            if (AgentNumbers.number(args.get(3)) != 0) {
                VfioType1.DmaUnmap.FLAGS.set(unmap, VfioType1.DMA_UNMAP_FLAG_ALL);
            }
            int err = ioctlErrno(host.names.fd(args.get(0)), VfioType1.VFIO_IOMMU_UNMAP_DMA, unmap);
            long size = (long) VfioType1.DmaUnmap.SIZE.get(unmap);
            MapOwners.Owner container = MapOwners.Owner.container(args.get(0));
            if (err == 0 && AgentNumbers.number(args.get(3)) != 0) {
                host.owners.gone(container);
            } else if (err == 0) {
                host.owners.unmapped(container, AgentNumbers.number(args.get(1)), AgentNumbers.number(args.get(2)));
            }
            return host.result(step, err, values("size", Long.toUnsignedString(size)));
        }
    }
}
