package dev.custody.model;

import java.util.List;
import java.util.Optional;

/** The value of a successful operation, as the scenario format reports it. */
public sealed interface Reply {
    record None() implements Reply {}

    /** The operation created an object (an fd, a domain, an IOAS, a HWPT) that a scenario may name. */
    record Created(Handle handle) implements Reply {}

    /** drivers_probe: the driver bound afterwards, if any. */
    record Probed(Optional<String> driver) implements Reply {}

    /** VFIO_GROUP_GET_STATUS flags in the order VIABLE, CONTAINER_SET. */
    record GroupStatus(List<GroupStatusFlag> flags) implements Reply {
        public GroupStatus {
            flags = List.copyOf(flags);
        }
    }

    /** VFIO_DEVICE_BIND_IOMMUFD: out_devid. */
    record Bound(int devid) implements Reply {}

    /** VFIO_DEVICE_ATTACH_IOMMUFD_PT: the HWPT actually used. */
    record Attached(Handle hwpt, String label, boolean created) implements Reply {}

    /** A byte count or address: {@code field} is the scenario name ("mapped", "unmapped", "size", ...). */
    record Amount(String field, long value) implements Reply {}

    /** IOMMU_IOAS_IOVA_RANGES: the usable ranges, {@code [start, last]} each. */
    record IovaRanges(List<IovaSpan> ranges, long alignment) implements Reply {
        public IovaRanges {
            ranges = List.copyOf(ranges);
        }
    }

    /** IOMMU_GET_HW_INFO: out_data_type, the data_len the driver has, out_capabilities. */
    record HwInfo(long dataType, long dataLength, long capabilities) implements Reply {}

    /**
     * VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: how many devices the reset affects, the answer's flags
     * ({@code DEV_ID}, {@code DEV_ID_OWNED}: a cdev's answer), on the group path how many distinct
     * groups they are in, on the cdev path each device's devid (0 owned without one, -1 not owned), ascending.
     */
    record HotResetInfo(int count, List<String> flags, int groups, List<Integer> devids) implements Reply {
        public HotResetInfo {
            flags = List.copyOf(flags);
            devids = List.copyOf(devids);
        }
    }

    /** The `state` op: one group seen as sysfs would. */
    record GroupView(
            GroupId group,
            int ownerCnt,
            Optional<String> owner,
            Optional<String> domain,
            Optional<String> type,
            List<DeviceDriver> devices)
            implements Reply {}

    record DeviceDriver(String device, Optional<String> driver) {}

    None NONE = new None();
}
