package dev.custody.rules;

import dev.custody.model.HwptAllocFlag;
import java.util.Optional;
import java.util.Set;

/**
 * Which IOMMU_HWPT_ALLOC flags a paging HWPT on an IOAS refuses (iommufd_hwpt_paging_alloc and the
 * VT-d driver's domain_alloc_user), all with EOPNOTSUPP. The model's IOMMUs are QEMU's emulated VT-d
 * as the oracle's machine has it: no nesting support (ecap NEST) and no second-stage dirty tracking
 * (ecap SSADS), so NEST_PARENT and DIRTY_TRACKING are refused like the flags a paging HWPT never takes.
 * Hardware that has them would accept both; the topology does not say so (docs/decisions.md).
 */
final class HwptAllocFlags {
    private HwptAllocFlags() {}

    /** Why {@code flags} are refused, or empty when the HWPT can be allocated. */
    static Optional<String> refusal(Set<HwptAllocFlag> flags) {
        if (flags.contains(HwptAllocFlag.UNDEFINED_BIT_31) || flags.contains(HwptAllocFlag.FAULT_ID_VALID)) {
            // iommufd_hwpt_paging_alloc: a flag outside NEST_PARENT | DIRTY_TRACKING -> EOPNOTSUPP
            return Optional.of("a paging HWPT takes only NEST_PARENT and DIRTY_TRACKING, not " + flags);
        }
        if (flags.contains(HwptAllocFlag.DIRTY_TRACKING)) {
            // iommufd_hwpt_paging_alloc: DIRTY_TRACKING without IOMMU_CAP_DIRTY_TRACKING -> EOPNOTSUPP
            return Optional.of("the IOMMU has no dirty tracking (no SSADS)");
        }
        if (flags.contains(HwptAllocFlag.NEST_PARENT)) {
            // intel_iommu_domain_alloc_user: NEST_PARENT without nested translation support -> EOPNOTSUPP
            return Optional.of("the IOMMU cannot nest (no scalable-mode nesting)");
        }
        return Optional.empty();
    }
}
