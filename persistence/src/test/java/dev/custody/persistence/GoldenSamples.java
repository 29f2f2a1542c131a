package dev.custody.persistence;

import static dev.custody.model.event.DeviceEvent.*;
import static dev.custody.model.event.DomainEvent.*;
import static dev.custody.model.event.FileEvent.*;
import static dev.custody.model.event.GroupEvent.*;

import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandRecord;
import dev.custody.entity.CoordinatorSnapshot;
import dev.custody.entity.CoordinatorState;
import dev.custody.entity.EntityState;
import dev.custody.entity.HostRecord;
import dev.custody.entity.KernelJournal;
import dev.custody.entity.RecentOperation;
import dev.custody.entity.Stamped;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DomainId;
import dev.custody.model.DriverName;
import dev.custody.model.DynamicId;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.ObjectId;
import dev.custody.model.OwnerId;
import dev.custody.model.Topology;
import dev.custody.model.event.DriverEvent.DynamicIdAdded;
import dev.custody.model.event.DriverEvent.DynamicIdRemoved;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.mapping.DmaMapping;
import dev.custody.model.mapping.IoasArea;
import dev.custody.model.mapping.IoasSpace;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.mapping.IovaRange;
import dev.custody.model.mapping.Mapping;
import dev.custody.model.mapping.Prot;
import dev.custody.model.mapping.Type1DmaSpace;
import dev.custody.model.mapping.Type1Version;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.PendingRelease;
import dev.custody.model.state.Sorted;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * One realistic instance of every journaled top-level class: the golden files hold their bytes. Built
 * by hand, not by running the rules, so a change of the rules cannot change what the files must read
 * back as. Never edit an instance whose golden file is committed: add a new one instead.
 */
final class GoldenSamples {
    private GoldenSamples() {}

    static final DeviceId NIC = new DeviceId("0000:01:00.0");
    static final DeviceId NIC_FN1 = new DeviceId("0000:01:00.1");
    static final GroupId GROUP = new GroupId(7);
    static final DomainId DEFAULT = new DomainId(1);
    static final DomainId BLOCKING = new DomainId(2);
    static final DomainId VM = new DomainId(3);
    static final DomainId KDRV = new DomainId(4);
    static final DomainId HWPT = new DomainId(5);
    static final FileId GROUP_FILE = new FileId(3);
    static final FileId CONTAINER = new FileId(4);
    static final FileId IOMMUFD = new FileId(5);
    static final FileId DEVICE_FD = new FileId(6);
    static final FileId CDEV = new FileId(7);
    static final ObjectId IOAS = new ObjectId(1);
    static final ObjectId HWPT_OBJ = new ObjectId(2);
    static final ObjectId IDEV = new ObjectId(3);

    static Topology topology() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        iommus.put("dmar1", new IommuSpec("dmar1", IommuSpec.SIZE_4K | IommuSpec.SIZE_2M, 39));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        devices.put(
                NIC,
                new DeviceSpec(
                        NIC,
                        Optional.of("dmar0"),
                        Optional.of(GROUP),
                        List.of("e1000e", "vfio-pci"),
                        false,
                        true,
                        Optional.of("e1000e")));
        devices.put(
                NIC_FN1,
                new DeviceSpec(
                        NIC_FN1,
                        Optional.of("dmar0"),
                        Optional.of(GROUP),
                        List.of("vfio-pci"),
                        true,
                        false,
                        Optional.empty()));
        return new Topology(iommus, Topology.catalogueWith(List.of()), devices);
    }

    /** A 2 MiB leaf and a 4 KiB leaf (what mapping 0x201000 bytes at 0x200000 splits into). */
    static IommuDomainMappings kernelMappings() {
        return IommuDomainMappings.empty(IommuSpec.DEFAULT_PAGE_SIZES, 48)
                .withLeaves(List.of(
                        new Mapping(0x200000L, 0x4020_0000L, 0x20_0000L, Prot.READ_WRITE),
                        new Mapping(0x400000L, 0x4040_0000L, 0x1000L, Prot.READ_WRITE)));
    }

    /** Mapped at 4 KiB, then the page size grew and the valid ranges shrank, as when a group joins. */
    static Type1DmaSpace type1() {
        return Type1DmaSpace.empty(Type1Version.V2)
                .withEntries(List.of(
                        new DmaMapping(0x1000L, 0x7f12_3456_7000L, 0x3000L, Prot.READ),
                        new DmaMapping(0x1_0000_0000L, 0x7f00_0000_0000L, 0x20_0000L, Prot.READ_WRITE)))
                .withPageSize(0x20_0000L)
                .withEntryLimit(4096)
                .withValidRanges(List.of(new IovaRange(0, 0xfedf_ffffL), new IovaRange(0xfef0_0000L, (1L << 39) - 1)));
    }

    /** Two owners' reserved ranges, an allowed range, a fixed area and one placed after it. */
    static IoasSpace ioas() {
        return IoasSpace.empty()
                .withIovaAlignment(0x1000L)
                .withReserved("device " + NIC_FN1, List.of(new IovaRange(0xfee0_0000L, 0xfeef_ffffL)))
                .withReserved("domain " + HWPT, List.of(new IovaRange(1L << 48, -1L)))
                .withAllowed(List.of(new IovaRange(0x10_0000L, 0x7fff_ffffL)))
                .withAreas(List.of(
                        new IoasArea(0x10_0000L, 0x20_0000L, Prot.READ_WRITE),
                        new IoasArea(0x30_0000L, 0x1000L, Prot.READ)));
    }

    static KernelState kernel() {
        Map<DeviceId, DeviceState> devices = Map.of(
                NIC,
                        new DeviceState(
                                NIC,
                                true,
                                Optional.of("vfio-pci"),
                                Optional.of("vfio-pci"),
                                Optional.empty(),
                                Optional.empty()),
                NIC_FN1,
                        new DeviceState(
                                NIC_FN1,
                                true,
                                Optional.of("vfio-pci"),
                                Optional.empty(),
                                Optional.of(Errno.ENODEV),
                                Optional.of(PendingRelease.UNBIND)));
        GroupState group = new GroupState(
                GROUP,
                Sorted.set(List.of(NIC, NIC_FN1)),
                DEFAULT,
                Optional.of(BLOCKING),
                VM,
                Optional.of(OwnerId.vfioGroupFile(GROUP_FILE, "vfio-group-7")),
                Sorted.map(Map.of(Claimant.GROUP, 1, Claimant.device(NIC), 2)),
                Sorted.set(List.of(1, 5)));
        Map<DomainId, DomainState> domains = Map.of(
                DEFAULT,
                        new DomainState(DEFAULT, "default", DomainKind.DMA_FQ, "dmar0", new DomainUse.GroupCore(GROUP)),
                BLOCKING,
                        new DomainState(
                                BLOCKING, "blocking", DomainKind.BLOCKED, "dmar0", new DomainUse.GroupCore(GROUP)),
                VM, new DomainState(VM, "vm", DomainKind.PAGING, "dmar0", new DomainUse.Container(CONTAINER)),
                KDRV,
                        new DomainState(
                                KDRV, "kdrv", DomainKind.PAGING, "dmar0", new DomainUse.KernelCaller(kernelMappings())),
                HWPT, new DomainState(HWPT, "hwpt", DomainKind.PAGING, "dmar0", new DomainUse.Hwpt(IOMMUFD, HWPT_OBJ)));
        Map<FileId, OpenFile> files = Map.of(
                GROUP_FILE,
                        new OpenFile.VfioGroupFile(
                                GROUP_FILE, "grp", true, Optional.of(GROUP), Optional.of(CONTAINER), Optional.empty()),
                CONTAINER,
                        new OpenFile.VfioContainer(
                                CONTAINER, "ctr", true, Optional.of(type1()), Sorted.map(Map.of("dmar0", VM))),
                IOMMUFD,
                        new OpenFile.IommufdFile(
                                IOMMUFD,
                                "iommufd",
                                true,
                                Sorted.map(Map.of(
                                        IOAS, new IommufdObject.Ioas(IOAS, "ioas", ioas()),
                                        HWPT_OBJ, new IommufdObject.Hwpt(HWPT_OBJ, "hwpt", IOAS, HWPT, true),
                                        IDEV, new IommufdObject.Device(IDEV, "idev", NIC_FN1, Optional.of(HWPT_OBJ)))),
                                4,
                                Optional.of(IOAS)),
                DEVICE_FD, new OpenFile.VfioDeviceFile(DEVICE_FD, "nic-fd", true, NIC, GROUP_FILE, Optional.empty()),
                CDEV,
                        new OpenFile.CdevFile(
                                CDEV, "cdev", false, NIC_FN1, Optional.of(new OpenFile.IommufdRef(IOMMUFD, IDEV))));
        return new KernelState(
                topology(),
                Sorted.map(devices),
                Sorted.map(Map.of(GROUP, group)),
                Sorted.map(domains),
                Sorted.map(files),
                6,
                8);
    }

    /** One instance of each KernelEvent record, in declaration order. */
    static List<KernelEvent> events() {
        return List.of(
                new DeviceAdded(NIC),
                new DeviceRemoved(NIC_FN1),
                new DriverBound(NIC, "vfio-pci"),
                new DriverUnbound(NIC),
                new DriverOverrideSet(NIC, Optional.of("vfio-pci")),
                new ProbeFailureArmed(NIC_FN1, Errno.ENODEV),
                new ProbeFailureConsumed(NIC_FN1),
                new ReleaseBlocked(NIC, PendingRelease.REMOVE),
                new GroupCreated(GROUP, DEFAULT),
                new GroupDestroyed(GROUP),
                new DeviceJoinedGroup(GROUP, NIC),
                new DeviceLeftGroup(GROUP, NIC_FN1),
                new ClaimAdded(GROUP, Claimant.device(NIC)),
                new ClaimDropped(GROUP, Claimant.GROUP),
                new OwnershipTaken(GROUP, OwnerId.iommufd(IOMMUFD, "iommufd"), Claimant.device(NIC_FN1)),
                new OwnershipReleased(GROUP),
                new BlockingDomainSet(GROUP, BLOCKING),
                new DefaultDomainSet(GROUP, DEFAULT),
                new GroupDomainSet(GROUP, VM),
                new DomainAllocated(new DomainState(
                        KDRV, "kdrv", DomainKind.PAGING, "dmar0", new DomainUse.KernelCaller(kernelMappings()))),
                new DomainFreed(KDRV),
                new DomainKindSet(DEFAULT, DomainKind.IDENTITY),
                new FileOpened(new OpenFile.VfioContainer(CONTAINER, "ctr", true, Optional.empty(), Sorted.emptyMap())),
                new FdClosed(GROUP_FILE),
                new FileReleased(DEVICE_FD),
                new GroupFileContainerSet(GROUP_FILE, Optional.of(CONTAINER)),
                new GroupFileIommufdSet(GROUP_FILE, Optional.empty()),
                new GroupFileDetached(GROUP_FILE),
                new ContainerIommuDriverSet(CONTAINER, Optional.of(Type1DmaSpace.empty(Type1Version.V1))),
                new ContainerDomainSet(CONTAINER, "dmar0", Optional.of(VM)),
                new CdevBindingSet(CDEV, Optional.of(new OpenFile.IommufdRef(IOMMUFD, IDEV))),
                new IommufdObjectAdded(IOMMUFD, new IommufdObject.Ioas(IOAS, "ioas", ioas())),
                new IommufdObjectRemoved(IOMMUFD, HWPT_OBJ),
                new IommufdDeviceAttached(IOMMUFD, IDEV, Optional.of(HWPT_OBJ)),
                new CompatIoasSet(IOMMUFD, IOAS),
                new LegacyDomainMapped(KDRV, 0x40_0000L, 0x1_2340_0000L, 0x20_0000L, true, false),
                new LegacyDomainUnmapped(KDRV, 0x40_0000L, 0x20_0000L),
                new Type1GeometrySet(
                        CONTAINER,
                        0x1000L,
                        List.of(new IovaRange(0, 0xfedf_ffffL), new IovaRange(0xfef0_0000L, (1L << 48) - 1))),
                new Type1Mapped(CONTAINER, 0x10_0000L, 0x7f55_0000_0000L, 0x4000L, true, true),
                new LegacyType1Unmapped(CONTAINER, 0, 0, true),
                new IoasMapped(IOMMUFD, IOAS, 0x20_0000L, 0x1000L, true, true),
                new LegacyIoasUnmapped(IOMMUFD, IOAS, 0x20_0000L, 0x1000L, true),
                new IoasAllowed(IOMMUFD, IOAS, List.of(new IovaRange(0x10_0000L, 0x7fff_ffffL))),
                new IoasReserved(IOMMUFD, IOAS, "device " + NIC, List.of(new IovaRange(0xfee0_0000L, 0xfeef_ffffL))),
                new IoasUnreserved(IOMMUFD, IOAS, "device " + NIC),
                new IoasAlignmentSet(IOMMUFD, IOAS, 0x20_0000L),
                // the effects that replaced the requests of ids 55, 56, 59 and 61
                new DomainLeavesMapped(
                        KDRV,
                        List.of(
                                new Mapping(0x40_0000L, 0x1_2340_0000L, 0x20_0000L, Prot.READ),
                                new Mapping(0x60_0000L, 0x1_2360_0000L, 0x1000L, Prot.READ_WRITE))),
                new DomainLeavesUnmapped(KDRV, List.of(new Mapping(0x40_0000L, 0x1_2340_0000L, 0x20_0000L, Prot.READ))),
                new Type1EntriesUnmapped(
                        CONTAINER,
                        List.of(
                                new DmaMapping(0x10_0000L, 0x7f55_0000_0000L, 0x4000L, Prot.READ_WRITE),
                                new DmaMapping(0x20_0000L, 0x7f55_0010_0000L, 0x1000L, Prot.WRITE))),
                new IoasAreasUnmapped(IOMMUFD, IOAS, List.of(new IoasArea(0x20_0000L, 0x1000L, Prot.READ_WRITE))),
                // runs of leaves, which replaced ids 66 and 67: a single leaf, and 1 TiB of 4 KiB leaves
                new DomainRunsMapped(
                        KDRV,
                        List.of(
                                new Mapping(0x40_0000L, 0x1_2340_0000L, 0x20_0000L, Prot.READ),
                                new Mapping(0x100_0000_0000L, 0x200_0000_0000L, 0x1000L, Prot.READ_WRITE, 1L << 28))),
                new DomainRunsUnmapped(
                        KDRV, List.of(new Mapping(0x100_0000_0000L, 0x200_0000_0000L, 0x1000L, Prot.READ_WRITE, 2))),
                // IOMMU_OPTION's state
                new IommufdAccountModeSet(IOMMUFD, true),
                new IoasLargePagesSet(IOMMUFD, IOAS, true),
                // a driver's dynamic ids (new_id, remove_id)
                new DynamicIdAdded(
                        new DriverName("vfio-pci"),
                        new DynamicId(0x8086, 0x10d3, DynamicId.ANY, DynamicId.ANY, 0, 0, 0)),
                new DynamicIdRemoved(
                        new DriverName("pci-stub"),
                        new DynamicId(0x1af4, 0x1041, 0x1af4, 0x1100, 0x020000, 0xffff00, 0)));
    }

    static KernelJournal.DecisionTaken decision() {
        return new KernelJournal.DecisionTaken(
                12,
                "op-0000012",
                List.of(
                        new ClaimAdded(GROUP, Claimant.device(NIC)),
                        new OwnershipTaken(
                                GROUP, OwnerId.vfioGroupFile(GROUP_FILE, "vfio-group-7"), Claimant.device(NIC)),
                        new GroupDomainSet(GROUP, BLOCKING)));
    }

    /** Every journaled top-level class with its instance: records and snapshots first, then events. */
    static SequencedMap<Class<?>, Object> all() {
        SequencedMap<Class<?>, Object> all = new LinkedHashMap<>();
        all.put(KernelJournal.Started.class, new KernelJournal.Started(topology()));
        all.put(KernelJournal.DecisionTaken.class, decision());
        all.put(KernelJournal.DecisionApplied.class, new KernelJournal.DecisionApplied(12));
        all.put(Stamped.class, new Stamped(12, new DriverBound(NIC, "vfio-pci")));
        all.put(
                CoordinatorState.class,
                new CoordinatorState(Optional.of(kernel()), 12, Sorted.map(Map.of(12L, decision()))));
        all.put(EntityState.class, new EntityState(11, kernel()));
        for (KernelEvent event : events()) {
            all.put(event.getClass(), event);
        }
        all.putAll(pagingDomainUses());
        // added with versioned records (journal format 1)
        all.put(KernelJournal.Header.class, new KernelJournal.Header(1, "Custody 0.1.0-SNAPSHOT"));
        all.putAll(recordedMessages());
        // added with live host mode
        all.put(
                HostRecord.class,
                new HostRecord(
                        HostRecord.CARRIED_OUT,
                        "bind 0000:01:00.0 vfio-pci 1",
                        new AnswerRecord(
                                "EBUSY", "the kernel answered EBUSY to \"bind 0000:01:00.0 vfio-pci 1\"", "")));
        return all;
    }

    /** VFIO_GROUP_SET_CONTAINER by a QEMU, as the coordinator records it since every message is journaled. */
    static CommandRecord setContainer() {
        return new CommandRecord(
                "qemu-vm7",
                "vm7-attach-3",
                true,
                "{\"op\":\"vfio.group.set_container\",\"fd\":\"fd:3\",\"container\":\"fd:4\"}");
    }

    /**
     * The coordinator's records since every message is journaled (added after the first golden files):
     * a decision with its command and answer, a refusal, the entities' progress, and the snapshot.
     */
    static SequencedMap<Class<?>, Object> recordedMessages() {
        SequencedMap<Class<?>, Object> all = new LinkedHashMap<>();
        KernelJournal.Decided decided = new KernelJournal.Decided(
                12, setContainer(), new AnswerRecord("ok", "", ""), decision().events());
        AnswerRecord refused =
                new AnswerRecord("EPERM", "group 7 has 1 kernel DMA user (0000:01:00.1 bound to e1000e)", "");
        CommandRecord probe = new CommandRecord(
                "driver-core", "probe-41", false, "{\"op\":\"driver.probe\",\"device\":\"0000:01:00.1\"}");
        all.put(KernelJournal.Decided.class, decided);
        all.put(KernelJournal.Answered.class, new KernelJournal.Answered(12, setContainer(), refused));
        all.put(KernelJournal.AppliedThrough.class, new KernelJournal.AppliedThrough(11));
        all.put(CommandRecord.class, probe);
        all.put(AnswerRecord.class, new AnswerRecord("ok", "", "{\"created\":\"fd:4\"}"));
        RecentOperation recent =
                new RecentOperation("qemu-vm7", "vm7-attach-3", setContainer().digest(), refused);
        all.put(RecentOperation.class, recent);
        all.put(
                CoordinatorSnapshot.class,
                new CoordinatorSnapshot(Optional.of(kernel()), 12, 11, List.of(decision()), List.of(recent)));
        return all;
    }

    /** A type1 domain's table: a 2 MiB leaf and a 4 KiB leaf, at the pseudo-physical addresses of their vaddrs. */
    static IommuDomainMappings type1Table() {
        return IommuDomainMappings.empty(IommuSpec.DEFAULT_PAGE_SIZES, 48)
                .withLeaves(List.of(
                        new Mapping(0x1_0000_0000L, 0x7f00_0000_0000L, 0x20_0000L, Prot.READ_WRITE),
                        new Mapping(0x1000L, 0x7f12_3456_7000L, 0x1000L, Prot.READ)));
    }

    /** 2 MiB at a 1 MiB-aligned IOVA on a domain without 1 GiB pages: 512 leaves of 4 KiB. */
    static IommuDomainMappings hwptTable() {
        List<Mapping> leaves = new ArrayList<>();
        for (long offset = 0; offset < 0x20_0000L; offset += 0x1000L) {
            leaves.add(new Mapping(0x10_0000L + offset, 0x7f00_0010_0000L + offset, 0x1000L, Prot.READ_WRITE));
        }
        return IommuDomainMappings.empty(IommuSpec.SIZE_4K | IommuSpec.SIZE_2M, 39)
                .withLeaves(leaves);
    }

    /**
     * The uses of domains that hold their own page table (added after the first golden files); inside a
     * journal they travel in the DomainAllocated that creates the domain and in snapshots.
     */
    static SequencedMap<Class<?>, Object> pagingDomainUses() {
        SequencedMap<Class<?>, Object> all = new LinkedHashMap<>();
        all.put(DomainUse.Type1Paging.class, new DomainUse.Type1Paging(CONTAINER, type1Table()));
        all.put(DomainUse.HwptPaging.class, new DomainUse.HwptPaging(IOMMUFD, HWPT_OBJ, hwptTable()));
        return all;
    }
}
