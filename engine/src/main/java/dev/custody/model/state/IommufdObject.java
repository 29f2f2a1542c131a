package dev.custody.model.state;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.ObjectId;
import dev.custody.model.mapping.IoasSpace;
import java.util.Optional;

/** The objects of one iommufd context (struct iommufd_ctx's objects xarray). */
public sealed interface IommufdObject {
    ObjectId id();

    String label();

    /**
     * An I/O address space: its areas, reserved and allowed ranges. {@code largePagesDisabled} is
     * io_pagetable's disable_large_pages (IOMMU_OPTION_HUGE_PAGES set to 0, or a compat TYPE1 container),
     * which holds the IOVA alignment at PAGE_SIZE or more.
     */
    record Ioas(ObjectId id, String label, IoasSpace space, boolean largePagesDisabled) implements IommufdObject {
        /** An IOAS that may use large pages, as every IOAS starts. */
        public Ioas(ObjectId id, String label, IoasSpace space) {
            this(id, label, space, false);
        }

        public Ioas withSpace(IoasSpace now) {
            return new Ioas(id, label, now, largePagesDisabled);
        }

        public Ioas withLargePagesDisabled(boolean now) {
            return new Ioas(id, label, space, now);
        }
    }

    /** A HW page table: a paging domain mirroring one IOAS. Auto ones die with their last device. */
    record Hwpt(ObjectId id, String label, ObjectId ioas, DomainId domain, boolean auto) implements IommufdObject {}

    /** A bound device (iommufd_device): holds the device's DMA-ownership claim for this context. */
    record Device(ObjectId id, String label, DeviceId device, Optional<ObjectId> hwpt) implements IommufdObject {
        public Device withHwpt(Optional<ObjectId> now) {
            return new Device(id, label, device, now);
        }
    }
}
