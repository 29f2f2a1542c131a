package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
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
import dev.custody.model.DriverSpec;
import dev.custody.model.DynamicId;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.ObjectId;
import dev.custody.model.OwnerId;
import dev.custody.model.PciDeviceIds;
import dev.custody.model.Topology;
import dev.custody.model.event.DeviceEvent;
import dev.custody.model.event.DomainEvent;
import dev.custody.model.event.DriverEvent;
import dev.custody.model.event.FileEvent;
import dev.custody.model.event.GroupEvent;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The one table of journaled classes and their numeric ids. The ids are in every journal row (as the
 * manifest) and inside records (before each value of a sealed type), so:
 *
 * <ul>
 *   <li>an id is NEVER reused and NEVER changed, even after its class is deleted (leave a comment
 *       line "retired" in its place);</li>
 *   <li>a new class takes the next free id from {@link #NEXT_FREE_ID} up, and NEXT_FREE_ID moves on;</li>
 *   <li>ids stay below 126 where possible: Kryo writes id + 2 as a varint, one byte up to 127.</li>
 * </ul>
 * Ids 0-9 are Kryo's own (primitives and String). Blocks: 10 journal records, 20 events, 70 state,
 * 100 model values, 115 mapping bookkeeping. The event classes were renamed when they were split by
 * subject (DeviceEvent, GroupEvent, DomainEvent, FileEvent); the ids did not change, and the four
 * events in the form of older journals keep theirs as {@code Legacy...} records.
 */
public final class Registrations {
    private Registrations() {}

    /** The next id to hand out. Raise it whenever an id is taken. */
    public static final int NEXT_FREE_ID = 144;

    /**
     * The first id registered after journal records were versioned (format 1): classes from here on
     * were never written in the positional records of format 0, and a row of format 0 for one is corrupt.
     */
    public static final int FIRST_VERSIONED_ID = 126;

    private static final Map<Integer, Class<?>> BY_ID = table();
    private static final Map<Class<?>, Integer> BY_CLASS = reverse(BY_ID);

    private static Map<Integer, Class<?>> table() {
        Map<Integer, Class<?>> t = new LinkedHashMap<>();
        // --- journal records and snapshots (dev.custody.entity) ---
        t.put(10, KernelJournal.Started.class);
        t.put(11, KernelJournal.DecisionTaken.class);
        t.put(12, KernelJournal.DecisionApplied.class);
        t.put(13, Stamped.class);
        t.put(14, CoordinatorState.class);
        t.put(15, EntityState.class);
        // --- kernel events (dev.custody.model.event), in the order they were first declared ---
        t.put(20, DeviceEvent.DeviceAdded.class);
        t.put(21, DeviceEvent.DeviceRemoved.class);
        t.put(22, DeviceEvent.DriverBound.class);
        t.put(23, DeviceEvent.DriverUnbound.class);
        t.put(24, DeviceEvent.DriverOverrideSet.class);
        t.put(25, DeviceEvent.ProbeFailureArmed.class);
        t.put(26, DeviceEvent.ProbeFailureConsumed.class);
        t.put(27, DeviceEvent.ReleaseBlocked.class);
        t.put(28, GroupEvent.GroupCreated.class);
        t.put(29, GroupEvent.GroupDestroyed.class);
        t.put(30, GroupEvent.DeviceJoinedGroup.class);
        t.put(31, GroupEvent.DeviceLeftGroup.class);
        t.put(32, GroupEvent.ClaimAdded.class);
        t.put(33, GroupEvent.ClaimDropped.class);
        t.put(34, GroupEvent.OwnershipTaken.class);
        t.put(35, GroupEvent.OwnershipReleased.class);
        t.put(36, GroupEvent.BlockingDomainSet.class);
        t.put(37, GroupEvent.DefaultDomainSet.class);
        t.put(38, GroupEvent.GroupDomainSet.class);
        t.put(39, DomainEvent.DomainAllocated.class);
        t.put(40, DomainEvent.DomainFreed.class);
        t.put(41, DomainEvent.DomainKindSet.class);
        t.put(42, FileEvent.FileOpened.class);
        t.put(43, FileEvent.FdClosed.class);
        t.put(44, FileEvent.FileReleased.class);
        t.put(45, FileEvent.GroupFileContainerSet.class);
        t.put(46, FileEvent.GroupFileIommufdSet.class);
        t.put(47, FileEvent.GroupFileDetached.class);
        t.put(48, FileEvent.ContainerIommuDriverSet.class);
        t.put(49, FileEvent.ContainerDomainSet.class);
        t.put(50, FileEvent.CdevBindingSet.class);
        t.put(51, FileEvent.IommufdObjectAdded.class);
        t.put(52, FileEvent.IommufdObjectRemoved.class);
        t.put(53, FileEvent.IommufdDeviceAttached.class);
        t.put(54, FileEvent.CompatIoasSet.class);
        t.put(55, DomainEvent.LegacyDomainMapped.class); // was DomainMapped: a request, upcast on reading
        t.put(56, DomainEvent.LegacyDomainUnmapped.class); // was DomainUnmapped
        t.put(57, FileEvent.Type1GeometrySet.class);
        t.put(58, FileEvent.Type1Mapped.class);
        t.put(59, FileEvent.LegacyType1Unmapped.class); // was Type1Unmapped
        t.put(60, FileEvent.IoasMapped.class);
        t.put(61, FileEvent.LegacyIoasUnmapped.class); // was IoasUnmapped
        t.put(62, FileEvent.IoasAllowed.class);
        t.put(63, FileEvent.IoasReserved.class);
        t.put(64, FileEvent.IoasUnreserved.class);
        t.put(65, FileEvent.IoasAlignmentSet.class);
        // the effects that replaced the requests of 55, 56, 59 and 61
        t.put(66, DomainEvent.DomainLeavesMapped.class);
        t.put(67, DomainEvent.DomainLeavesUnmapped.class);
        t.put(68, FileEvent.Type1EntriesUnmapped.class);
        t.put(69, FileEvent.IoasAreasUnmapped.class);
        // --- state (dev.custody.model.state) ---
        t.put(70, KernelState.class);
        t.put(71, DeviceState.class);
        t.put(72, GroupState.class);
        t.put(73, DomainState.class);
        t.put(74, DomainKind.class);
        t.put(75, DomainUse.GroupCore.class);
        t.put(76, DomainUse.KernelCaller.class);
        t.put(77, DomainUse.Container.class);
        t.put(78, DomainUse.Hwpt.class);
        t.put(79, OpenFile.VfioGroupFile.class);
        t.put(80, OpenFile.VfioContainer.class);
        t.put(81, OpenFile.VfioDeviceFile.class);
        t.put(82, OpenFile.CdevFile.class);
        t.put(83, OpenFile.IommufdFile.class);
        t.put(84, OpenFile.IommufdRef.class);
        t.put(85, IommufdObject.Ioas.class);
        t.put(86, IommufdObject.Hwpt.class);
        t.put(87, IommufdObject.Device.class);
        t.put(88, Claimant.OfDevice.class);
        t.put(89, Claimant.OfGroup.class);
        t.put(90, PendingRelease.class);
        // --- model values (dev.custody.model) ---
        t.put(100, DeviceId.class);
        t.put(101, DomainId.class);
        t.put(102, FileId.class);
        t.put(103, GroupId.class);
        t.put(104, ObjectId.class);
        t.put(105, OwnerId.class);
        t.put(106, Errno.class);
        t.put(107, Topology.class);
        t.put(108, IommuSpec.class);
        t.put(109, DriverSpec.class);
        t.put(110, DeviceSpec.class);
        // --- mapping bookkeeping (dev.custody.model.mapping; before the split, dev.custody.rules.mapping) ---
        t.put(115, IommuDomainMappings.class);
        t.put(116, Type1DmaSpace.class);
        t.put(117, IoasSpace.class);
        t.put(118, IovaRange.class);
        t.put(119, Type1Version.class);
        // --- later additions, in the order they were made ---
        t.put(120, DomainUse.Type1Paging.class); // a container's domain with its own page table
        t.put(121, DomainUse.HwptPaging.class); // a HWPT's domain with its own page table
        t.put(122, Mapping.class); // a page-table leaf, in DomainLeavesMapped/DomainLeavesUnmapped
        t.put(123, DmaMapping.class); // a vfio_dma entry, in Type1EntriesUnmapped
        t.put(124, IoasArea.class); // an IOAS area, in IoasAreasUnmapped
        t.put(125, Prot.class); // the permission inside the three above
        // --- from here on, classes of versioned journals only (FIRST_VERSIONED_ID) ---
        t.put(126, KernelJournal.Header.class); // a journal's first record: its format and writer
        // every message recorded: the coordinator's records since then, and what is inside them
        t.put(127, KernelJournal.Decided.class); // a decision with its command and answer (was DecisionTaken)
        t.put(128, KernelJournal.Answered.class); // a command that changed nothing
        t.put(129, KernelJournal.AppliedThrough.class); // how far every entity has written (was DecisionApplied)
        t.put(130, CommandRecord.class);
        t.put(131, AnswerRecord.class);
        t.put(132, CoordinatorSnapshot.class); // the coordinator's snapshot (was CoordinatorState)
        t.put(133, RecentOperation.class); // a caller-named operation and its answer, in the snapshot
        t.put(134, HostRecord.class); // live host mode: what was carried out and the kernel's answer
        // runs of leaves, which replaced 66 and 67 (builds before runs refuse these ids, not misread a count)
        t.put(135, DomainEvent.DomainRunsMapped.class);
        t.put(136, DomainEvent.DomainRunsUnmapped.class);
        // IOMMU_OPTION's state: an iommufd's accounting mode, an IOAS's large pages
        t.put(137, FileEvent.IommufdAccountModeSet.class);
        t.put(138, FileEvent.IoasLargePagesSet.class);
        // dynamic ids (new_id, remove_id): a driver's own journal, a device's PCI ids in its topology entry
        t.put(139, DriverEvent.DynamicIdAdded.class);
        t.put(140, DriverEvent.DynamicIdRemoved.class);
        t.put(141, DriverName.class);
        t.put(142, DynamicId.class);
        t.put(143, PciDeviceIds.class);
        return Collections.unmodifiableMap(t);
    }

    /** Every registered class by id, in id order. */
    public static Map<Integer, Class<?>> byId() {
        return BY_ID;
    }

    public static Optional<Class<?>> classOf(int id) {
        return Optional.ofNullable(BY_ID.get(id));
    }

    public static OptionalInt idOf(Class<?> type) {
        Integer id = BY_CLASS.get(type);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    private static Map<Class<?>, Integer> reverse(Map<Integer, Class<?>> byId) {
        Map<Class<?>, Integer> byClass = new java.util.HashMap<>();
        byId.forEach((id, type) -> {
            if (byClass.put(type, id) != null) {
                throw new IllegalStateException(type.getName() + " is registered twice");
            }
        });
        return Map.copyOf(byClass);
    }

    /** A Kryo that knows exactly the table: anything else fails with "Class is not registered". */
    public static Kryo newKryo() {
        return newKryo(BY_ID, FieldTable.standard(), new FormatContext());
    }

    /**
     * A Kryo for {@code table} (id to class) whose records take their tags from {@code fields}, its
     * serializers sharing {@code context}: the journal's own table, or a test's variant of it.
     */
    static Kryo newKryo(Map<Integer, Class<?>> table, FieldTable fields, FormatContext context) {
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        table.forEach((id, type) -> kryo.register(type, serializerFor(id, type, fields, context), id));
        return kryo;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Serializer<?> serializerFor(int id, Class<?> type, FieldTable fields, FormatContext context) {
        if (type == IommuDomainMappings.class) {
            return new IommuDomainMappingsSerializer(context);
        }
        if (type == Type1DmaSpace.class) {
            return new Type1DmaSpaceSerializer(context);
        }
        if (type == IoasSpace.class) {
            return new IoasSpaceSerializer(context);
        }
        if (type.isEnum()) {
            return new EnumSerializer(type);
        }
        if (type.isRecord()) {
            return new RecordSerializer(type, fields.linesOf(id, type), context);
        }
        throw new IllegalStateException("no serializer for " + type.getName());
    }
}
