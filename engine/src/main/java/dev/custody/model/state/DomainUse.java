package dev.custody.model.state;

import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.ObjectId;
import dev.custody.rules.mapping.IommuDomainMappings;

/** Who allocated a domain and so who frees it and owns its mappings. */
public sealed interface DomainUse {
    /** A group's default or blocking domain: freed with the group. */
    record GroupCore(GroupId group) implements DomainUse {}

    /** Allocated by an in-kernel caller (iommu_paging_domain_alloc), which maps into it and frees it. */
    record KernelCaller(IommuDomainMappings mappings) implements DomainUse {}

    /** A VFIO type1 container's domain: its mappings are the container's vfio_dma list. */
    record Container(FileId container) implements DomainUse {}

    /** An iommufd HWPT's domain: its mappings are the areas of the HWPT's IOAS. */
    record Hwpt(FileId iommufd, ObjectId hwpt) implements DomainUse {}
}
