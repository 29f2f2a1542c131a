package dev.custody.nativeio.host;

import static dev.custody.nativeio.host.HostContext.ioctlErrno;
import static dev.custody.nativeio.host.HostContext.values;

import dev.custody.nativeio.libc.Libc;
import dev.custody.nativeio.libc.LibcSystem;
import dev.custody.nativeio.uapi.Iommufd;
import dev.custody.nativeio.uapi.Vfio;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;

/** iommufd and VFIO device cdevs: binding, attaching, IOAS and HWPT objects, IOAS maps and ranges. */
final class IommufdVerbs implements AutoCloseable {
    private static final long PAGE = 4096;
    private static final long MOST_MAPPED = 1L << 32;
    private static final long MOST_ALIGNED = 2L << 20;
    private static final int MAX_RANGES = 64;
    private static final int MAX_ALLOWED = 32;
    private static final int EMSGSIZE = 90;

    private final HostContext host;
    private final IoasAreas areas;
    /** An iommufd of our own for calls about objects that do not exist (id 0, which the kernel never gives). */
    private int spare = -1;

    IommufdVerbs(HostContext host, IoasAreas areas) {
        this.host = host;
        this.areas = areas;
    }

    List<Verb> verbs() {
        return List.of(
                new Verb("cdev-bind", 2, this::cdevBind),
                new Verb("cdev-attach", 2, this::cdevAttach),
                new Verb("cdev-detach", 1, this::cdevDetach),
                new Verb("ioas-alloc", 2, this::ioasAlloc),
                new Verb("hwpt-alloc", 4, this::hwptAlloc),
                new Verb("destroy", 2, this::destroy),
                new Verb("ioas-map", 5, this::ioasMap),
                new Verb("ioas-unmap", 4, this::ioasUnmap),
                new Verb("ioas-copy", 7, this::ioasCopy),
                new Verb("hw-info", 5, this::hwInfo),
                new Verb("option", 7, this::option),
                new Verb("set-dirty-tracking", 4, this::setDirtyTracking),
                new Verb("get-dirty-bitmap", 7, this::getDirtyBitmap),
                new Verb("iova-ranges", 3, this::iovaRanges),
                new Verb("allow-iovas", 3, this::allowIovas));
    }

    /** The id a call should use for a name: an object's id, a bound cdev's device id, or 0 for names never created. */
    int objectId(String label) {
        return host.names.find(label).map(n -> n.id != 0 ? n.id : n.devid).orElse(0);
    }

    /**
     * The iommufd an object's calls go through: the one it was created in (closed: a stale fd). An
     * object that does not exist goes through an iommufd of our own with id 0, which the kernel never
     * allocates, so its calls get the kernel's answer for a missing object.
     */
    private int objectFd(String label) {
        Optional<AgentName> name = host.names.find(label);
        if (name.isPresent() && name.get().id != 0 && name.get().ictx != null) {
            int fd = name.get().ictx.fd;
            return fd >= 0 ? fd : AgentNames.CLOSED_FD;
        }
        if (spare < 0) {
            int fd = Libc.open(host.paths.device("iommu").toString(), Libc.O_RDWR | Libc.O_CLOEXEC);
            spare = fd < 0 ? -1 : fd;
        }
        return spare >= 0 ? spare : AgentNames.CLOSED_FD;
    }

    private AgentAnswer cdevBind(String step, List<String> args) {
        AgentName cdev = host.names.of(args.get(0));
        try (Arena call = Arena.ofConfined()) {
            MemorySegment bind = call.allocate(Vfio.BindIommufd.LAYOUT);
            Vfio.BindIommufd.ARGSZ.set(bind, (int) Vfio.BindIommufd.LAYOUT.byteSize());
            Vfio.BindIommufd.IOMMUFD.set(bind, host.names.fd(args.get(1)));
            int err = ioctlErrno(cdev.fd, Vfio.VFIO_DEVICE_BIND_IOMMUFD, bind);
            SequencedMap<String, String> values = new LinkedHashMap<>();
            if (err == 0) {
                cdev.devid = (int) Vfio.BindIommufd.OUT_DEVID.get(bind);
                cdev.boundIctx = host.names.find(args.get(1)).orElse(null);
                values.put("devid", Integer.toUnsignedString(cdev.devid));
            }
            return host.result(step, err, values);
        }
    }

    /**
     * cdev-attach CDEV PT [AS]: the kernel answers the id of the HWPT it used; an automatic one is
     * known by the step's AS from then on, as the scenario knows it.
     */
    private AgentAnswer cdevAttach(String step, List<String> args) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment attach = call.allocate(Vfio.AttachIommufdPt.LAYOUT);
            Vfio.AttachIommufdPt.ARGSZ.set(attach, (int) Vfio.AttachIommufdPt.LAYOUT.byteSize());
            Vfio.AttachIommufdPt.PT_ID.set(attach, objectId(args.get(1)));
            int err = ioctlErrno(host.names.fd(args.get(0)), Vfio.VFIO_DEVICE_ATTACH_IOMMUFD_PT, attach);
            int ptId = (int) Vfio.AttachIommufdPt.PT_ID.get(attach);
            Optional<AgentName> cdev = host.names.find(args.get(0));
            if (err == 0 && cdev.isPresent()) {
                cdev.get().pt = ptId;
            }
            if (err == 0 && args.size() > 2 && ptId != objectId(args.get(1)) && cdev.isPresent()) {
                AgentName automatic = host.names.of(args.get(2));
                automatic.id = ptId;
                automatic.ictx = cdev.get().boundIctx;
            }
            return host.result(step, err, values("pt_id", Integer.toUnsignedString(ptId)));
        }
    }

    private AgentAnswer cdevDetach(String step, List<String> args) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment detach = call.allocate(Vfio.DetachIommufdPt.LAYOUT);
            Vfio.DetachIommufdPt.ARGSZ.set(detach, (int) Vfio.DetachIommufdPt.LAYOUT.byteSize());
            int err = ioctlErrno(host.names.fd(args.get(0)), Vfio.VFIO_DEVICE_DETACH_IOMMUFD_PT, detach);
            if (err == 0) {
                host.names.find(args.get(0)).ifPresent(cdev -> cdev.pt = 0);
            }
            return host.result(step, err);
        }
    }

    private AgentAnswer ioasAlloc(String step, List<String> args) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment alloc = call.allocate(Iommufd.IoasAlloc.LAYOUT);
            Iommufd.IoasAlloc.SIZE.set(alloc, (int) Iommufd.IoasAlloc.LAYOUT.byteSize());
            int err = ioctlErrno(host.names.fd(args.get(0)), Iommufd.IOMMU_IOAS_ALLOC, alloc);
            SequencedMap<String, String> values = new LinkedHashMap<>();
            if (err == 0) {
                int id = (int) Iommufd.IoasAlloc.OUT_IOAS_ID.get(alloc);
                created(args.get(1), id, args.get(0));
                values.put("id", Integer.toUnsignedString(id));
            }
            return host.result(step, err, values);
        }
    }

    private AgentAnswer hwptAlloc(String step, List<String> args) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment alloc = call.allocate(Iommufd.HwptAlloc.LAYOUT);
            Iommufd.HwptAlloc.SIZE.set(alloc, (int) Iommufd.HwptAlloc.LAYOUT.byteSize());
            Iommufd.HwptAlloc.DEV_ID.set(alloc, objectId(args.get(1)));
            Iommufd.HwptAlloc.PT_ID.set(alloc, objectId(args.get(2)));
            if (args.size() > 4) {
                Iommufd.HwptAlloc.FLAGS.set(alloc, hwptAllocFlags(args.get(4)));
            }
            int err = ioctlErrno(host.names.fd(args.get(0)), Iommufd.IOMMU_HWPT_ALLOC, alloc);
            SequencedMap<String, String> values = new LinkedHashMap<>();
            if (err == 0) {
                int id = (int) Iommufd.HwptAlloc.OUT_HWPT_ID.get(alloc);
                created(args.get(3), id, args.get(0));
                values.put("id", Integer.toUnsignedString(id));
            }
            return host.result(step, err, values);
        }
    }

    /** hwpt-alloc's optional fifth word: flags by name, UNDEFINED_BIT_31 for a bit the uapi does not define. */
    private static int hwptAllocFlags(String names) {
        return (names.contains("NEST_PARENT") ? Iommufd.HWPT_ALLOC_NEST_PARENT : 0)
                | (names.contains("DIRTY_TRACKING") ? Iommufd.HWPT_ALLOC_DIRTY_TRACKING : 0)
                | (names.contains("FAULT_ID_VALID") ? Iommufd.HWPT_FAULT_ID_VALID : 0)
                | (names.contains("UNDEFINED_BIT_31") ? 1 << 31 : 0);
    }

    /**
     * ioas-copy IOMMUFD SRC SRC_IOVA DST DST_IOVA|- LENGTH FLAGS: the destination id is read in the
     * source's iommufd, the file the ioctl goes through.
     */
    private AgentAnswer ioasCopy(String step, List<String> args) throws BadLine {
        String flagsText = args.get(6);
        int flags = (flagsText.contains("FIXED_IOVA") ? Iommufd.MAP_FIXED_IOVA : 0)
                | (flagsText.contains("READABLE") ? Iommufd.MAP_READABLE : 0)
                | (flagsText.contains("WRITEABLE") ? Iommufd.MAP_WRITEABLE : 0);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment copy = call.allocate(Iommufd.IoasCopy.LAYOUT);
            Iommufd.IoasCopy.SIZE.set(copy, (int) Iommufd.IoasCopy.LAYOUT.byteSize());
            Iommufd.IoasCopy.FLAGS.set(copy, flags);
            Iommufd.IoasCopy.SRC_IOAS_ID.set(copy, objectId(args.get(1)));
            Iommufd.IoasCopy.SRC_IOVA.set(copy, AgentNumbers.number(args.get(2)));
            Iommufd.IoasCopy.DST_IOAS_ID.set(copy, objectId(args.get(3)));
            Iommufd.IoasCopy.DST_IOVA.set(copy, args.get(4).equals("-") ? 0 : AgentNumbers.number(args.get(4)));
            Iommufd.IoasCopy.LENGTH.set(copy, AgentNumbers.number(args.get(5)));
            int err = ioctlErrno(objectFd(args.get(1)), Iommufd.IOMMU_IOAS_COPY, copy);
            long iova = (long) Iommufd.IoasCopy.DST_IOVA.get(copy);
            if (err == 0) {
                // the copy shares the source's pinned pages, so their memory is the destination's too
                // the kernel looks the destination up in the source's iommufd, the file the call went through
                MapOwners.Owner source = host.owner(args.get(1));
                host.owners.copied(
                        source,
                        (long) Iommufd.IoasCopy.SRC_IOVA.get(copy),
                        new MapOwners.Owner(source.file(), objectId(args.get(3))),
                        iova,
                        (long) Iommufd.IoasCopy.LENGTH.get(copy));
            }
            return host.result(step, err, values("iova", Long.toUnsignedString(iova)));
        }
    }

    /** hw-info IOMMUFD DEV FLAGS RESERVED DATA_LEN: IOMMU_GET_HW_INFO into a buffer of DATA_LEN bytes (at most 256). */
    private AgentAnswer hwInfo(String step, List<String> args) throws BadLine {
        long wanted = AgentNumbers.number(args.get(4));
        int length = (int) (Long.compareUnsigned(wanted, 256) > 0 ? 256 : wanted);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment data = call.allocate(256);
            MemorySegment info = call.allocate(Iommufd.HwInfo.LAYOUT);
            Iommufd.HwInfo.SIZE.set(info, (int) Iommufd.HwInfo.LAYOUT.byteSize());
            Iommufd.HwInfo.FLAGS.set(info, (int) AgentNumbers.number(args.get(2)));
            Iommufd.HwInfo.DEV_ID.set(info, objectId(args.get(1)));
            Iommufd.HwInfo.RESERVED.set(info, (int) AgentNumbers.number(args.get(3)));
            Iommufd.HwInfo.DATA_LEN.set(info, length);
            Iommufd.HwInfo.DATA_UPTR.set(info, data.address());
            int err = ioctlErrno(host.names.fd(args.get(0)), Iommufd.IOMMU_GET_HW_INFO, info);
            SequencedMap<String, String> values = new LinkedHashMap<>();
            if (err == 0) {
                values.put("type", Integer.toUnsignedString((int) Iommufd.HwInfo.OUT_DATA_TYPE.get(info)));
                values.put("len", Integer.toUnsignedString((int) Iommufd.HwInfo.DATA_LEN.get(info)));
                values.put("caps", Long.toUnsignedString((long) Iommufd.HwInfo.OUT_CAPABILITIES.get(info)));
            }
            return host.result(step, err, values);
        }
    }

    /**
     * option IOMMUFD OPTION_ID OP OBJECT VAL64 RESERVED CAPS: IOMMU_OPTION made with only CAPS ("all": as
     * the agent runs), on a thread of its own when it has fewer (capabilities belong to a thread);
     * answers val64 as the kernel wrote it back. OBJECT is a name, or a raw number.
     */
    private AgentAnswer option(String step, List<String> args) throws BadLine {
        int fd = host.names.fd(args.get(0));
        long capabilities = DriverCoreVerbs.capabilityMask(args.get(6));
        try (Arena call = Arena.ofShared()) {
            MemorySegment option = call.allocate(Iommufd.Option.LAYOUT);
            Iommufd.Option.SIZE.set(option, (int) Iommufd.Option.LAYOUT.byteSize());
            Iommufd.Option.OPTION_ID.set(option, (int) AgentNumbers.number(args.get(1)));
            Iommufd.Option.OP.set(option, (short) AgentNumbers.number(args.get(2)));
            Iommufd.Option.OBJECT_ID.set(option, objectIdOrNumber(args.get(3)));
            Iommufd.Option.VAL64.set(option, AgentNumbers.number(args.get(4)));
            Iommufd.Option.RESERVED.set(option, (short) AgentNumbers.number(args.get(5)));
            int err;
            if (capabilities == SysfsWrites.ALL_CAPABILITIES) {
                err = ioctlErrno(fd, Iommufd.IOMMU_OPTION, option);
            } else {
                int[] answer = {0};
                Thread caller = Thread.ofPlatform().name("option-" + step).start(() -> {
                    int limited = LibcSystem.limitCapabilities(capabilities);
                    answer[0] = limited != 0 ? -limited : ioctlErrno(fd, Iommufd.IOMMU_OPTION, option);
                });
                try {
                    caller.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new AgentAnswer.Problem(step, "interrupted while IOMMU_OPTION ran");
                }
                err = answer[0];
            }
            return host.result(
                    step, err, values("val64", Long.toUnsignedString((long) Iommufd.Option.VAL64.get(option))));
        }
    }

    /**
     * A name the script bound, or a raw number (0: no object); as the C agent's strtoul, anything
     * else (a name never bound, such as one whose creation was refused) is 0, and -1 is 0xffffffff.
     */
    private int objectIdOrNumber(String label) {
        if (host.names.find(label).isPresent()) {
            return objectId(label);
        }
        try {
            return (int) AgentNumbers.number(label);
        } catch (BadLine notANumber) {
            return 0;
        }
    }

    /** set-dirty-tracking IOMMUFD HWPT FLAGS RESERVED: IOMMU_HWPT_SET_DIRTY_TRACKING; HWPT is a name or a raw number. */
    private AgentAnswer setDirtyTracking(String step, List<String> args) throws BadLine {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment set = call.allocate(Iommufd.SetDirtyTracking.LAYOUT);
            Iommufd.SetDirtyTracking.SIZE.set(set, (int) Iommufd.SetDirtyTracking.LAYOUT.byteSize());
            Iommufd.SetDirtyTracking.HWPT_ID.set(set, objectIdOrNumber(args.get(1)));
            Iommufd.SetDirtyTracking.FLAGS.set(set, (int) AgentNumbers.number(args.get(2)));
            Iommufd.SetDirtyTracking.RESERVED.set(set, (int) AgentNumbers.number(args.get(3)));
            int err = ioctlErrno(host.names.fd(args.get(0)), Iommufd.IOMMU_HWPT_SET_DIRTY_TRACKING, set);
            return host.result(step, err);
        }
    }

    /**
     * get-dirty-bitmap IOMMUFD HWPT FLAGS RESERVED IOVA LENGTH PAGE_SIZE: IOMMU_HWPT_GET_DIRTY_BITMAP into
     * a bitmap of one page (32768 bits); HWPT is a name or a raw number.
     */
    private AgentAnswer getDirtyBitmap(String step, List<String> args) throws BadLine {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment bitmap = call.allocate(PAGE, PAGE);
            MemorySegment get = call.allocate(Iommufd.GetDirtyBitmap.LAYOUT);
            Iommufd.GetDirtyBitmap.SIZE.set(get, (int) Iommufd.GetDirtyBitmap.LAYOUT.byteSize());
            Iommufd.GetDirtyBitmap.HWPT_ID.set(get, objectIdOrNumber(args.get(1)));
            Iommufd.GetDirtyBitmap.FLAGS.set(get, (int) AgentNumbers.number(args.get(2)));
            Iommufd.GetDirtyBitmap.RESERVED.set(get, (int) AgentNumbers.number(args.get(3)));
            Iommufd.GetDirtyBitmap.IOVA.set(get, AgentNumbers.number(args.get(4)));
            Iommufd.GetDirtyBitmap.LENGTH.set(get, AgentNumbers.number(args.get(5)));
            Iommufd.GetDirtyBitmap.PAGE_SIZE.set(get, AgentNumbers.number(args.get(6)));
            Iommufd.GetDirtyBitmap.DATA.set(get, bitmap.address());
            int err = ioctlErrno(host.names.fd(args.get(0)), Iommufd.IOMMU_HWPT_GET_DIRTY_BITMAP, get);
            return host.result(step, err);
        }
    }

    private void created(String label, int id, String iommufd) {
        AgentName name = host.names.of(label);
        name.id = id;
        name.ictx = host.names.find(iommufd).orElse(null);
    }

    /**
     * A destroyed object's name keeps its number, as a program keeps an id: the kernel gives the
     * lowest free id to the next object, and the old name then reaches that one (so does the engine).
     */
    private AgentAnswer destroy(String step, List<String> args) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment destroy = call.allocate(Iommufd.Destroy.LAYOUT);
            Iommufd.Destroy.SIZE.set(destroy, (int) Iommufd.Destroy.LAYOUT.byteSize());
            int id = objectId(args.get(1));
            Iommufd.Destroy.ID.set(destroy, id);
            int err = ioctlErrno(host.names.fd(args.get(0)), Iommufd.IOMMU_DESTROY, destroy);
            if (err == 0) {
                // a destroyed IOAS's maps are gone; its memory with them (an HWPT owns none)
                host.owners.gone(new MapOwners.Owner(args.get(0), id));
            }
            return host.result(step, err);
        }
    }

    /**
     * ioas-map IOMMUFD IOAS IOVA|- LENGTH FLAGS (names, or a raw flag word "0x..." passed as is):
     * the kernel pins user memory, so a buffer of the length is made for every map, aligned as the
     * kernel aligns a chosen IOVA like the user pointer (up to the length's power of two and 2 MiB,
     * iopt_alloc_iova): scenarios have no pointer and assume one aligned that well. The buffer is the
     * IOAS's ({@link MapOwners}): freed when its unmap, the IOAS's destroy or its iommufd's close ends
     * the last map of it, and at once when the kernel refuses the map.
     */
    private AgentAnswer ioasMap(String step, List<String> args) throws BadLine {
        long length = AgentNumbers.number(args.get(3));
        long iova = args.get(2).equals("-") ? 0 : AgentNumbers.number(args.get(2));
        String flagsText = args.get(4);
        // named flags with an iova map exactly there (the scenario format's meaning), FIXED_IOVA
        // named or not; a raw word is sent as it is
        int flags = flagsText.startsWith("0x")
                ? (int) AgentNumbers.number(flagsText)
                : (flagsText.contains("FIXED_IOVA") || !args.get(2).equals("-") ? Iommufd.MAP_FIXED_IOVA : 0)
                        | (flagsText.contains("READABLE") ? Iommufd.MAP_READABLE : 0)
                        | (flagsText.contains("WRITEABLE") ? Iommufd.MAP_WRITEABLE : 0);
        long align = PAGE;
        while (Long.compareUnsigned(align, length) < 0 && align < MOST_ALIGNED) {
            align <<= 1;
        }
        long buffer = -1;
        if (length != 0 && Long.compareUnsigned(length, MOST_MAPPED) <= 0) {
            buffer = host.owners.allocate(length + 3 * align);
        }
        boolean backed = buffer > 0;
        // aligned to exactly align, never more: IOAS_COPY places a copy like the source's pointer
        long userVa = backed ? ((buffer + 2 * align - 1) & ~(2 * align - 1)) + align : PAGE;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment map = call.allocate(Iommufd.IoasMap.LAYOUT);
            Iommufd.IoasMap.SIZE.set(map, (int) Iommufd.IoasMap.LAYOUT.byteSize());
            Iommufd.IoasMap.FLAGS.set(map, flags);
            Iommufd.IoasMap.IOAS_ID.set(map, objectId(args.get(1)));
            Iommufd.IoasMap.USER_VA.set(map, userVa);
            Iommufd.IoasMap.LENGTH.set(map, length);
            Iommufd.IoasMap.IOVA.set(map, iova);
            int err = ioctlErrno(objectFd(args.get(1)), Iommufd.IOMMU_IOAS_MAP, map);
            long mapped = (long) Iommufd.IoasMap.IOVA.get(map);
            if (err == 0 && backed) {
                areas.remember(userVa, length, mapped);
                host.owners.mapped(host.owner(args.get(1)), userVa, mapped, length);
            } else {
                host.owners.notMapped();
            }
            return host.result(step, err, values("iova", Long.toUnsignedString(mapped)));
        }
    }

    private AgentAnswer ioasUnmap(String step, List<String> args) throws BadLine {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment unmap = call.allocate(Iommufd.IoasUnmap.LAYOUT);
            Iommufd.IoasUnmap.SIZE.set(unmap, (int) Iommufd.IoasUnmap.LAYOUT.byteSize());
            Iommufd.IoasUnmap.IOAS_ID.set(unmap, objectId(args.get(1)));
            Iommufd.IoasUnmap.IOVA.set(unmap, AgentNumbers.number(args.get(2)));
            Iommufd.IoasUnmap.LENGTH.set(unmap, AgentNumbers.number(args.get(3)));
            int err = ioctlErrno(objectFd(args.get(1)), Iommufd.IOMMU_IOAS_UNMAP, unmap);
            long length = (long) Iommufd.IoasUnmap.LENGTH.get(unmap);
            if (err == 0) {
                long iova = AgentNumbers.number(args.get(2));
                long asked = AgentNumbers.number(args.get(3));
                if (iova == 0 && asked == -1L) {
                    host.owners.gone(host.owner(args.get(1))); // IOMMU_IOAS_UNMAP's "everything"
                } else {
                    host.owners.unmapped(host.owner(args.get(1)), iova, asked);
                }
            }
            return host.result(step, err, values("length", Long.toUnsignedString(length)));
        }
    }

    /** iova-ranges IOMMUFD IOAS NUM: room for NUM ranges (at most 64); too little room is EMSGSIZE with the number needed. */
    private AgentAnswer iovaRanges(String step, List<String> args) throws BadLine {
        int room = (int) AgentNumbers.number(args.get(2));
        if (Integer.compareUnsigned(room, MAX_RANGES) > 0) {
            room = MAX_RANGES;
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment ranges = call.allocate(Iommufd.IovaRange.LAYOUT, MAX_RANGES);
            MemorySegment query = call.allocate(Iommufd.IoasIovaRanges.LAYOUT);
            Iommufd.IoasIovaRanges.SIZE.set(query, (int) Iommufd.IoasIovaRanges.LAYOUT.byteSize());
            Iommufd.IoasIovaRanges.IOAS_ID.set(query, objectId(args.get(1)));
            Iommufd.IoasIovaRanges.NUM_IOVAS.set(query, room);
            Iommufd.IoasIovaRanges.ALLOWED_IOVAS.set(query, ranges.address());
            int err = ioctlErrno(objectFd(args.get(1)), Iommufd.IOMMU_IOAS_IOVA_RANGES, query);
            int num = (int) Iommufd.IoasIovaRanges.NUM_IOVAS.get(query);
            if (err == EMSGSIZE) {
                // answered as it is, without a look at the kernel log, as the agent does
                return AgentAnswer.result(step, "EMSGSIZE", values("num", Integer.toUnsignedString(num)));
            }
            List<String> found = new ArrayList<>();
            for (int i = 0; err == 0 && Integer.compareUnsigned(i, num) < 0 && i < MAX_RANGES; i++) {
                long offset = i * Iommufd.IovaRange.LAYOUT.byteSize();
                found.add(Long.toUnsignedString((long) Iommufd.IovaRange.START.get(ranges, offset)) + "-"
                        + Long.toUnsignedString((long) Iommufd.IovaRange.LAST.get(ranges, offset)));
            }
            long alignment = (long) Iommufd.IoasIovaRanges.OUT_IOVA_ALIGNMENT.get(query);
            return host.result(
                    step,
                    err,
                    values(
                            "num", Integer.toUnsignedString(num),
                            "alignment", Long.toUnsignedString(alignment),
                            "ranges", String.join(",", found)));
        }
    }

    /** allow-iovas IOMMUFD IOAS START-LAST,START-LAST|-: at most 32 ranges, "-" for none. */
    private AgentAnswer allowIovas(String step, List<String> args) throws BadLine {
        List<long[]> allowed = new ArrayList<>();
        for (String range : args.get(2).split(",")) {
            if (range.isEmpty()) {
                continue;
            }
            if (range.equals("-") || allowed.size() == MAX_ALLOWED) {
                break;
            }
            int dash = range.indexOf('-');
            long start = AgentNumbers.number(dash < 0 ? range : range.substring(0, dash));
            long last = dash < 0 ? 0 : AgentNumbers.number(range.substring(dash + 1));
            allowed.add(new long[] {start, last});
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment ranges = call.allocate(Iommufd.IovaRange.LAYOUT, MAX_ALLOWED);
            for (int i = 0; i < allowed.size(); i++) {
                long offset = i * Iommufd.IovaRange.LAYOUT.byteSize();
                Iommufd.IovaRange.START.set(ranges, offset, allowed.get(i)[0]);
                Iommufd.IovaRange.LAST.set(ranges, offset, allowed.get(i)[1]);
            }
            MemorySegment allow = call.allocate(Iommufd.IoasAllowIovas.LAYOUT);
            Iommufd.IoasAllowIovas.SIZE.set(allow, (int) Iommufd.IoasAllowIovas.LAYOUT.byteSize());
            Iommufd.IoasAllowIovas.IOAS_ID.set(allow, objectId(args.get(1)));
            Iommufd.IoasAllowIovas.NUM_IOVAS.set(allow, allowed.size());
            Iommufd.IoasAllowIovas.ALLOWED_IOVAS.set(allow, ranges.address());
            return host.result(step, ioctlErrno(objectFd(args.get(1)), Iommufd.IOMMU_IOAS_ALLOW_IOVAS, allow));
        }
    }

    @Override
    public void close() {
        if (spare >= 0) {
            Libc.close(spare);
            spare = -1;
        }
    }
}
