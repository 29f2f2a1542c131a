package dev.custody.sim;

import dev.custody.invariants.Invariant;
import dev.custody.invariants.Violation;
import dev.custody.model.FileId;
import dev.custody.model.OwnerId;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.rules.Describe;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who a group's devices can reach by DMA, checked for every group after every event: the domain a
 * group translates through must belong to whoever holds the group. A kernel driver must never reach
 * a user's mappings, and a user's device must never reach anything its owner did not map.
 */
final class Reachability {
    private Reachability() {}

    static List<Violation> check(KernelState state) {
        List<Violation> out = new ArrayList<>();
        for (GroupState group : state.groups().values()) {
            if (!state.domains().containsKey(group.domain())) {
                continue; // G8 names a freed domain
            }
            DomainState domain = state.domain(group.domain());
            Optional<String> problem = group.owner().isPresent()
                    ? ownedProblem(state, group, group.owner().get(), domain)
                    : kernelProblem(group, domain);
            problem.ifPresent(p ->
                    out.add(new Violation(Invariant.R1, List.of("group " + group.id(), domain.label()), p)));
        }
        return out;
    }

    /** Without an owner the group is the kernel's: its default domain, or a driver's private paging domain. */
    private static Optional<String> kernelProblem(GroupState group, DomainState domain) {
        if (group.onDefaultDomain() || domain.use() instanceof DomainUse.KernelCaller) {
            return Optional.empty();
        }
        return Optional.of("no owner holds the group, yet its devices translate through " + domain.label()
                + ", a domain user space maps");
    }

    private static Optional<String> ownedProblem(
            KernelState state, GroupState group, OwnerId owner, DomainState domain) {
        if (group.blockingDomain().map(domain.id()::equals).orElse(false)) {
            return Optional.empty(); // blocked: reaches nothing
        }
        boolean belongs = switch (domain.use()) {
            case DomainUse.Container c -> holdsContainer(state, owner, c.container());
            case DomainUse.Type1Paging c -> holdsContainer(state, owner, c.container());
            case DomainUse.Hwpt h -> owner.equals(OwnerId.iommufd(h.iommufd(), labelOf(state, h.iommufd())));
            case DomainUse.HwptPaging h -> owner.equals(OwnerId.iommufd(h.iommufd(), labelOf(state, h.iommufd())));
            case DomainUse.KernelCaller k ->
                !owner.key().startsWith("vfio-group:") && !owner.key().startsWith("iommufd:");
            case DomainUse.GroupCore core -> false; // the default domain while owned is G4's
        };
        return belongs
                ? Optional.empty()
                : Optional.of("owned by " + owner.label() + " but translating through "
                        + Describe.domainOf(state, group, domain.id()) + ", which " + owner.label() + " does not hold");
    }

    /** Whether the owner is a group file attached to that container (whose domains serve its groups). */
    private static boolean holdsContainer(KernelState state, OwnerId owner, FileId container) {
        return state.filesOf(OpenFile.VfioGroupFile.class)
                .anyMatch(f -> f.container().equals(Optional.of(container))
                        && OwnerId.vfioGroupFile(f.id(), f.label()).equals(owner));
    }

    private static String labelOf(KernelState state, FileId file) {
        return state.file(file).map(OpenFile::label).orElse("?");
    }
}
