package dev.custody.entity;

import dev.custody.model.Command;
import dev.custody.model.DomainId;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import java.util.Optional;

/**
 * An answer the engine takes from a domain actor's real page table instead of the coordinator's model:
 * iommu_iova_to_phys on a domain that has a table (a caller's, a container's or a HWPT's). The model
 * decides first (the domain must exist); the table then answers, and the two are kept equal by
 * construction and by the differential test. Identity, blocking and default domains have no table:
 * the model answers for them, as the kernel defines them without one.
 */
record PageTableRead(DomainId domain, long iova) {

    static Optional<PageTableRead> of(KernelState state, Command<?> command, Decision decision) {
        if (!(command instanceof Command.IovaToPhys read) || !decision.outcome().isOk()) {
            return Optional.empty();
        }
        return Kernel.domainOf(state, read.domain())
                .filter(domain -> state.domain(domain).use().pageTable().isPresent())
                .map(domain -> new PageTableRead(domain, read.iova()));
    }
}
