package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import dev.custody.entity.CoordinatorState;
import dev.custody.entity.EntityState;
import dev.custody.entity.KernelJournal;
import dev.custody.entity.Stamped;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DomainId;
import dev.custody.model.DriverSpec;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.ObjectId;
import dev.custody.model.OwnerId;
import dev.custody.model.Topology;
import dev.custody.model.event.KernelEvent;
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
import dev.custody.rules.mapping.IoasSpace;
import dev.custody.rules.mapping.IommuDomainMappings;
import dev.custody.rules.mapping.IovaRange;
import dev.custody.rules.mapping.Type1DmaSpace;
import dev.custody.rules.mapping.Type1Version;
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
 * 100 model values, 115 mapping bookkeeping.
 */
public final class Registrations {
    private Registrations() {}

    /** The next id to hand out. Raise it whenever an id is taken. */
    public static final int NEXT_FREE_ID = 122;

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
        // --- kernel events (dev.custody.model.event.KernelEvent), in declaration order ---
        t.put(20, KernelEvent.DeviceAdded.class);
        t.put(21, KernelEvent.DeviceRemoved.class);
        t.put(22, KernelEvent.DriverBound.class);
        t.put(23, KernelEvent.DriverUnbound.class);
        t.put(24, KernelEvent.DriverOverrideSet.class);
        t.put(25, KernelEvent.ProbeFailureArmed.class);
        t.put(26, KernelEvent.ProbeFailureConsumed.class);
        t.put(27, KernelEvent.ReleaseBlocked.class);
        t.put(28, KernelEvent.GroupCreated.class);
        t.put(29, KernelEvent.GroupDestroyed.class);
        t.put(30, KernelEvent.DeviceJoinedGroup.class);
        t.put(31, KernelEvent.DeviceLeftGroup.class);
        t.put(32, KernelEvent.ClaimAdded.class);
        t.put(33, KernelEvent.ClaimDropped.class);
        t.put(34, KernelEvent.OwnershipTaken.class);
        t.put(35, KernelEvent.OwnershipReleased.class);
        t.put(36, KernelEvent.BlockingDomainSet.class);
        t.put(37, KernelEvent.DefaultDomainSet.class);
        t.put(38, KernelEvent.GroupDomainSet.class);
        t.put(39, KernelEvent.DomainAllocated.class);
        t.put(40, KernelEvent.DomainFreed.class);
        t.put(41, KernelEvent.DomainKindSet.class);
        t.put(42, KernelEvent.FileOpened.class);
        t.put(43, KernelEvent.FdClosed.class);
        t.put(44, KernelEvent.FileReleased.class);
        t.put(45, KernelEvent.GroupFileContainerSet.class);
        t.put(46, KernelEvent.GroupFileIommufdSet.class);
        t.put(47, KernelEvent.GroupFileDetached.class);
        t.put(48, KernelEvent.ContainerIommuDriverSet.class);
        t.put(49, KernelEvent.ContainerDomainSet.class);
        t.put(50, KernelEvent.CdevBindingSet.class);
        t.put(51, KernelEvent.IommufdObjectAdded.class);
        t.put(52, KernelEvent.IommufdObjectRemoved.class);
        t.put(53, KernelEvent.IommufdDeviceAttached.class);
        t.put(54, KernelEvent.CompatIoasSet.class);
        t.put(55, KernelEvent.DomainMapped.class);
        t.put(56, KernelEvent.DomainUnmapped.class);
        t.put(57, KernelEvent.Type1GeometrySet.class);
        t.put(58, KernelEvent.Type1Mapped.class);
        t.put(59, KernelEvent.Type1Unmapped.class);
        t.put(60, KernelEvent.IoasMapped.class);
        t.put(61, KernelEvent.IoasUnmapped.class);
        t.put(62, KernelEvent.IoasAllowed.class);
        t.put(63, KernelEvent.IoasReserved.class);
        t.put(64, KernelEvent.IoasUnreserved.class);
        t.put(65, KernelEvent.IoasAlignmentSet.class);
        // 66-69: free for new events
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
        // --- mapping bookkeeping (dev.custody.rules.mapping) ---
        t.put(115, IommuDomainMappings.class);
        t.put(116, Type1DmaSpace.class);
        t.put(117, IoasSpace.class);
        t.put(118, IovaRange.class);
        t.put(119, Type1Version.class);
        // --- later additions, in the order they were made ---
        t.put(120, DomainUse.Type1Paging.class); // a container's domain with its own page table
        t.put(121, DomainUse.HwptPaging.class); // a HWPT's domain with its own page table
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
        Kryo kryo = new Kryo();
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        BY_ID.forEach((id, type) -> kryo.register(type, serializerFor(type), id));
        return kryo;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Serializer<?> serializerFor(Class<?> type) {
        if (type == IommuDomainMappings.class) {
            return new IommuDomainMappingsSerializer();
        }
        if (type == Type1DmaSpace.class) {
            return new Type1DmaSpaceSerializer();
        }
        if (type == IoasSpace.class) {
            return new IoasSpaceSerializer();
        }
        if (type.isEnum()) {
            return new EnumSerializer(type);
        }
        if (type.isRecord()) {
            return new RecordSerializer(type);
        }
        throw new IllegalStateException("no serializer for " + type.getName());
    }
}
