package dev.custody.entity;

import dev.custody.model.event.KernelEvent;
import dev.custody.model.event.KernelEvent.*;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/** Which entity each event belongs to: every event concerns exactly one kernel object. */
public final class EventRouting {
    private EventRouting() {}

    public static EntityId entityOf(KernelEvent event) {
        return switch (event) {
            case DeviceAdded e -> EntityId.of(e.device());
            case DeviceRemoved e -> EntityId.of(e.device());
            case DriverBound e -> EntityId.of(e.device());
            case DriverUnbound e -> EntityId.of(e.device());
            case DriverOverrideSet e -> EntityId.of(e.device());
            case ProbeFailureArmed e -> EntityId.of(e.device());
            case ProbeFailureConsumed e -> EntityId.of(e.device());
            case ReleaseBlocked e -> EntityId.of(e.device());

            case GroupCreated e -> EntityId.of(e.group());
            case GroupDestroyed e -> EntityId.of(e.group());
            case DeviceJoinedGroup e -> EntityId.of(e.group());
            case DeviceLeftGroup e -> EntityId.of(e.group());
            case ClaimAdded e -> EntityId.of(e.group());
            case ClaimDropped e -> EntityId.of(e.group());
            case OwnershipTaken e -> EntityId.of(e.group());
            case OwnershipReleased e -> EntityId.of(e.group());
            case BlockingDomainSet e -> EntityId.of(e.group());
            case DefaultDomainSet e -> EntityId.of(e.group());
            case GroupDomainSet e -> EntityId.of(e.group());

            case DomainAllocated e -> EntityId.of(e.domain().id());
            case DomainFreed e -> EntityId.of(e.domain());
            case DomainKindSet e -> EntityId.of(e.domain());
            case DomainMapped e -> EntityId.of(e.domain());
            case DomainUnmapped e -> EntityId.of(e.domain());

            case FileOpened e -> EntityId.of(e.file().id());
            case FdClosed e -> EntityId.of(e.file());
            case FileReleased e -> EntityId.of(e.file());
            case GroupFileContainerSet e -> EntityId.of(e.groupFile());
            case GroupFileIommufdSet e -> EntityId.of(e.groupFile());
            case GroupFileDetached e -> EntityId.of(e.groupFile());
            case ContainerIommuDriverSet e -> EntityId.of(e.container());
            case ContainerDomainSet e -> EntityId.of(e.container());
            case CdevBindingSet e -> EntityId.of(e.cdev());
            case IommufdObjectAdded e -> EntityId.of(e.iommufd());
            case IommufdObjectRemoved e -> EntityId.of(e.iommufd());
            case IommufdDeviceAttached e -> EntityId.of(e.iommufd());
            case CompatIoasSet e -> EntityId.of(e.iommufd());
            case Type1GeometrySet e -> EntityId.of(e.container());
            case Type1Mapped e -> EntityId.of(e.container());
            case Type1Unmapped e -> EntityId.of(e.container());
            case IoasMapped e -> EntityId.of(e.iommufd());
            case IoasUnmapped e -> EntityId.of(e.iommufd());
            case IoasAllowed e -> EntityId.of(e.iommufd());
            case IoasReserved e -> EntityId.of(e.iommufd());
            case IoasUnreserved e -> EntityId.of(e.iommufd());
            case IoasAlignmentSet e -> EntityId.of(e.iommufd());
        };
    }

    /** The decision's events split per entity, each entity's in decision order. */
    public static SequencedMap<EntityId, List<KernelEvent>> split(List<KernelEvent> events) {
        SequencedMap<EntityId, List<KernelEvent>> byEntity = new LinkedHashMap<>();
        for (KernelEvent event : events) {
            byEntity.computeIfAbsent(entityOf(event), e -> new ArrayList<>()).add(event);
        }
        return byEntity;
    }
}
