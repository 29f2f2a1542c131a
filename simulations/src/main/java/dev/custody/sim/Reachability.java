package dev.custody.sim;

import dev.custody.invariants.Invariant;
import dev.custody.invariants.Invariants;
import dev.custody.invariants.Violation;
import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.OwnerId;
import dev.custody.model.event.FileEvent;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.rules.Describe;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;

/**
 * Who a group's devices can reach by DMA, checked after every event: the domain a group translates
 * through must belong to whoever holds the group. A kernel driver must never reach a user's mappings,
 * and a user's device must never reach anything its owner did not map.
 */
final class Reachability {
    private Reachability() {}

    /** Every group (the full check). */
    static List<Violation> check(KernelState state) {
        return check(state, state.groups().keySet());
    }

    /** The given groups, in the order given (group order for a sorted set); groups gone are skipped. */
    static List<Violation> check(KernelState state, Collection<GroupId> groups) {
        List<Violation> out = new ArrayList<>();
        for (GroupId id : groups) {
            GroupState group = state.groups().get(id);
            if (group == null || !state.domains().containsKey(group.domain())) {
                continue; // gone, or G8 names a freed domain
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

    /**
     * The groups whose reachability one decision can have changed: those its events touched (as the
     * invariants scope them), and the groups translating through a domain of a file the events name,
     * whose owner's hold on that file decides whether the domain is theirs.
     */
    static SortedSet<GroupId> scope(KernelState before, KernelState after, List<KernelEvent> events) {
        SortedSet<GroupId> groups = Invariants.touchedGroups(before, after, events);
        for (KernelEvent event : events) {
            if (event instanceof FileEvent e) {
                for (KernelState state : List.of(before, after)) {
                    for (DomainId domain : domainsOf(state, e.subject())) {
                        state.groupsOn(domain).forEach(g -> groups.add(g.id()));
                    }
                }
            }
        }
        return groups;
    }

    /** The domains a container or an iommufd context allocated (its type1 domains, its HWPTs'). */
    private static List<DomainId> domainsOf(KernelState state, FileId file) {
        return switch (state.file(file).orElse(null)) {
            case OpenFile.VfioContainer c -> List.copyOf(c.domains().values());
            case OpenFile.IommufdFile x ->
                x.objects().values().stream()
                        .filter(o -> o instanceof IommufdObject.Hwpt)
                        .map(o -> ((IommufdObject.Hwpt) o).domain())
                        .toList();
            case null, default -> List.of();
        };
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
