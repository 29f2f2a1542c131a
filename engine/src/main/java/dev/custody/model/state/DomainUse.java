package dev.custody.model.state;

import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.ObjectId;
import dev.custody.model.mapping.IommuDomainMappings;
import java.util.Optional;

/**
 * Who allocated a domain and so who frees it and owns its mappings. A paging domain that user space
 * maps carries its own page table ({@link #pageTable()}), as the kernel's domain does: type1 and iommufd
 * copy their mappings into every domain they own.
 */
public sealed interface DomainUse {
    /** A group's default or blocking domain: freed with the group. */
    record GroupCore(GroupId group) implements DomainUse {}

    /** Allocated by an in-kernel caller (iommu_paging_domain_alloc), which maps into it and frees it. */
    record KernelCaller(IommuDomainMappings mappings) implements DomainUse {}

    /**
     * A VFIO type1 container's domain as journals written before domains held their page tables
     * recorded it: no table, its translations derive from the container's vfio_dma list. Only read back.
     */
    record Container(FileId container) implements DomainUse {}

    /** An iommufd HWPT's domain as older journals recorded it: no table (see {@link Container}). Only read back. */
    record Hwpt(FileId iommufd, ObjectId hwpt) implements DomainUse {}

    /** A VFIO type1 container's domain: type1 maps every vfio_dma of the container into its table (vfio_iommu_map). */
    record Type1Paging(FileId container, IommuDomainMappings table) implements DomainUse {}

    /** An iommufd HWPT's domain: its table holds every area of the HWPT's IOAS (iopt_fill_domain). */
    record HwptPaging(FileId iommufd, ObjectId hwpt, IommuDomainMappings table) implements DomainUse {}

    /** The domain's own I/O page table, when it is a paging domain somebody maps. */
    default Optional<IommuDomainMappings> pageTable() {
        return switch (this) {
            case KernelCaller caller -> Optional.of(caller.mappings());
            case Type1Paging type1 -> Optional.of(type1.table());
            case HwptPaging hwpt -> Optional.of(hwpt.table());
            case GroupCore core -> Optional.empty();
            case Container old -> Optional.empty();
            case Hwpt old -> Optional.empty();
        };
    }

    /** The same use with its table replaced; only for uses that have one. */
    default DomainUse withPageTable(IommuDomainMappings now) {
        return switch (this) {
            case KernelCaller caller -> new KernelCaller(now);
            case Type1Paging type1 -> new Type1Paging(type1.container(), now);
            case HwptPaging hwpt -> new HwptPaging(hwpt.iommufd(), hwpt.hwpt(), now);
            default -> throw new IllegalStateException(this + " has no page table");
        };
    }

    /** The VFIO container whose domain this is, in either journaled form. */
    default Optional<FileId> containerFile() {
        return switch (this) {
            case Container old -> Optional.of(old.container());
            case Type1Paging type1 -> Optional.of(type1.container());
            default -> Optional.empty();
        };
    }

    /** The iommufd and HWPT whose domain this is, in either journaled form. */
    default Optional<HwptRef> hwptRef() {
        return switch (this) {
            case Hwpt old -> Optional.of(new HwptRef(old.iommufd(), old.hwpt()));
            case HwptPaging hwpt -> Optional.of(new HwptRef(hwpt.iommufd(), hwpt.hwpt()));
            default -> Optional.empty();
        };
    }

    /** An iommufd context and one of its HWPT objects. */
    record HwptRef(FileId iommufd, ObjectId hwpt) {}
}
