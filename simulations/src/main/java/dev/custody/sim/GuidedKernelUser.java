package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.GroupState;
import java.util.List;
import java.util.Optional;

/** The guided cast's in-kernel user of the IOMMU core's own calls: claims, its domains, attach, replace, iommu_map. */
final class GuidedKernelUser {
    private GuidedKernelUser() {}

    private static final String CALLER = "caller:kernel-user";

    private static boolean ownedByMe(GroupState group) {
        return group.owner().map(o -> o.key().equals(CALLER)).orElse(false);
    }

    /**
     * An in-kernel caller of iommu_group_claim_dma_owner / iommu_device_claim_dma_owner, its own paging
     * domains, attach, replace and iommu_map. It never calls iommu_device_use_default_domain itself:
     * only dma_configure does (a bound driver's one claim, invariant D3), which the driver core's binds
     * reach.
     */
    static List<GuidedAction> actions() {
        Optional<String> me = Optional.of("kernel-user");
        return List.of(
                new GuidedAction(
                        "GroupClaim",
                        p -> p.group(g -> g.ownerCnt() == 0 || ownedByMe(g))
                                .map(g -> new Command.GroupClaim(g.id(), me)),
                        p -> p.group(g -> g.ownerCnt() > 0 && !ownedByMe(g))
                                .map(g -> new Command.GroupClaim(g.id(), me))),
                GuidedAction.trusting(
                        "GroupRelease",
                        p -> p.group(g -> ownedByMe(g) && g.claimsOf(Claimant.GROUP) > 0)
                                .map(g -> new Command.GroupRelease(g.id())),
                        // iommu_group_release_dma_owner does not ask who owns: refused only where no one does
                        p -> p.group(g -> g.owner().isEmpty()).map(g -> new Command.GroupRelease(g.id()))),
                new GuidedAction(
                        "DeviceClaim",
                        p -> p.device(d -> p.state
                                        .groupOf(d.id())
                                        .map(g -> g.ownerCnt() == 0 || ownedByMe(g))
                                        .orElse(false))
                                .map(d -> new Command.DeviceClaim(d, me)),
                        p -> GuidedCast.some(new Command.DeviceClaim(p.anyDevice(), me))),
                GuidedAction.trusting(
                        "DeviceRelease",
                        p -> p.device(d -> p.state
                                        .groupOf(d.id())
                                        .map(g -> ownedByMe(g) && g.claimsOf(Claimant.device(d.id())) > 0)
                                        .orElse(false))
                                .map(Command.DeviceRelease::new),
                        p -> p.device(d -> p.state
                                        .groupOf(d.id())
                                        .map(g -> g.owner().isEmpty())
                                        .orElse(true))
                                .map(Command.DeviceRelease::new)),
                new GuidedAction(
                        "DomainAlloc",
                        p -> p.myDomains(d -> true).size() < 3
                                ? p.device(DeviceState::present).map(d -> new Command.DomainAlloc(d, p.label("d")))
                                : Optional.empty(),
                        p -> p.device(d -> !d.present()).map(d -> new Command.DomainAlloc(d, p.label("d")))),
                onMyGroup("AttachGroup", (p, d, g) -> new Command.AttachGroup(d, g.id()), true),
                onMyGroup("DetachGroup", (p, d, g) -> new Command.DetachGroup(d, g.id()), false),
                onMyGroup(
                        "AttachDevice",
                        (p, d, g) -> new Command.AttachDevice(d, g.devices().first()),
                        true),
                onMyGroup(
                        "DetachDevice",
                        (p, d, g) -> new Command.DetachDevice(d, g.devices().first()),
                        false),
                onMyGroup(
                        "ReplaceDomain",
                        (p, d, g) -> new Command.ReplaceDomain(
                                g.id(), p.random.nextInt(3) == 0 ? Optional.empty() : Optional.of(d)),
                        true),
                GuidedIommuMap.map(),
                GuidedIommuMap.unmap(),
                GuidedCast.domainFree());
    }

    @FunctionalInterface
    private interface OnGroup {
        Command<?> make(Pick p, Handle domain, GroupState group);
    }

    /**
     * A call on one of the role's domains and a group it owns. Refused: the same contract (a group the
     * role owns) with a domain of the other IOMMU, a group already on another domain, or no domain.
     */
    private static GuidedAction onMyGroup(String op, OnGroup make, boolean attaching) {
        return GuidedAction.trusting(
                op,
                p -> p.one(p.myDomains(d -> true))
                        .flatMap(d -> p.group(g -> ownedByMe(g)
                                        && !g.devices().isEmpty()
                                        && (attaching || g.domain().equals(d.id())))
                                .map(g -> make.make(p, new Handle.Domain(d.id()), g))),
                p -> p.one(p.myDomains(d -> true))
                        .flatMap(d -> p.group(g -> ownedByMe(g) && !g.devices().isEmpty())
                                .map(g -> make.make(p, new Handle.Domain(d.id()), g))));
    }
}
