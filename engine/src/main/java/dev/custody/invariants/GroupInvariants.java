package dev.custody.invariants;

import dev.custody.model.DeviceId;
import dev.custody.model.DriverSpec;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The IOMMU-core and driver-core invariants (G1-G8, G10, G11, D3; docs/invariants.md) over one state. */
final class GroupInvariants {
    private GroupInvariants() {}

    /** {@code withG10}: false when checking a state cut down to some groups (the others look gone). */
    static void check(KernelState state, List<Violation> out, boolean withG10) {
        for (GroupState group : state.groups().values()) {
            String g = "group " + group.id();
            int count = group.ownerCnt();
            if (group.isOwned() && count < 1) {
                out.add(new Violation(
                        Invariant.G1, List.of(g), "owner " + group.owner().get() + " with owner_cnt 0"));
            }
            if (!group.isOwned() && count > 0 && !kernelClaims(group).equals(expectedKernelClaims(state, group))) {
                out.add(new Violation(
                        Invariant.G2,
                        List.of(g),
                        "owner_cnt " + count + " counts " + kernelClaims(group)
                                + " but the bound kernel DMA drivers are "
                                + expectedKernelClaims(state, group).keySet()));
            }
            List<DeviceId> kernelBound = kernelBound(state, group);
            if (group.isOwned() && !kernelBound.isEmpty()) {
                out.add(new Violation(
                        Invariant.G3,
                        objects(g, kernelBound),
                        "owned by " + group.owner().get() + " while kernel DMA drivers are bound"));
            }
            if (group.isOwned() && group.onDefaultDomain()) {
                out.add(new Violation(
                        Invariant.G4, List.of(g), "owned by " + group.owner().get() + " but on its default domain"));
            }
            if (count == 0 && group.isOwned()) {
                out.add(new Violation(
                        Invariant.G5,
                        List.of(g),
                        "owner_cnt 0 but owner " + group.owner().get()));
            }
            if (count == 0 && !group.onDefaultDomain()) {
                out.add(new Violation(
                        Invariant.G6, List.of(g), "no owner and no kernel user, yet not on its default domain"));
            }
            if (!group.isOwned()
                    && count > 0
                    && !group.onDefaultDomain()
                    && group.devices().size() != 1) {
                out.add(new Violation(
                        Invariant.G7,
                        List.of(g),
                        "kernel users with a private domain on "
                                + group.devices().size() + " devices"));
            }
            checkDomain(state, group, out);
            if (group.isOwned()
                    && group.blockingDomain().isEmpty()
                    && !group.owner().get().key().startsWith("shared-domain:")) {
                out.add(new Violation(Invariant.G11, List.of(g), "claimed but no blocking domain was allocated"));
            }
            for (DeviceId device : kernelBound) {
                int claims = group.claimsOf(Claimant.device(device));
                if (group.isOwned()) {
                    out.add(new Violation(
                            Invariant.D3_OWNED,
                            List.of(g, device.name()),
                            "a bound kernel DMA driver under owner "
                                    + group.owner().get()));
                } else if (claims != 1) {
                    // only raw use/unuse calls unbalance it (as a re-probe without dma_cleanup once did in the
                    // kernel); driver-core walks assert it never happens
                    out.add(new Violation(
                            Invariant.D3_COUNTED,
                            List.of(g, device.name()),
                            "a bound kernel DMA driver contributes " + claims
                                    + " to owner_cnt (use/unuse outside dma_configure/dma_cleanup)"));
                }
            }
        }
        if (withG10) {
            for (DomainState domain : state.domains().values()) {
                if (domain.use() instanceof DomainUse.GroupCore core
                        && state.group(core.group()).isEmpty()) {
                    g10(domain, core, out);
                }
            }
        }
    }

    static void check(KernelState state, List<Violation> out) {
        check(state, out, true);
    }

    /** G10 for the groups a step emptied: their default and blocking domains must be gone too. */
    static void checkVanished(
            KernelState before,
            KernelState after,
            java.util.Collection<dev.custody.model.GroupId> groups,
            List<Violation> out) {
        for (var id : groups) {
            Optional<GroupState> old = before.group(id);
            if (old.isEmpty() || after.group(id).isPresent()) {
                continue;
            }
            List<dev.custody.model.DomainId> core =
                    new ArrayList<>(List.of(old.get().defaultDomain()));
            old.get().blockingDomain().ifPresent(core::add);
            for (var domainId : core) {
                DomainState domain = after.domains().get(domainId);
                if (domain != null && domain.use() instanceof DomainUse.GroupCore c) {
                    g10(domain, c, out);
                }
            }
        }
    }

    private static void g10(DomainState domain, DomainUse.GroupCore core, List<Violation> out) {
        out.add(new Violation(
                Invariant.G10,
                List.of("group " + core.group(), domain.id().toString()),
                "the group is gone but its " + domain.label() + " domain was not freed"));
    }

    /** G8: every device translates through the group's live domain, which belongs to their IOMMU. */
    private static void checkDomain(KernelState state, GroupState group, List<Violation> out) {
        for (var id : List.of(group.domain(), group.defaultDomain())) {
            if (!state.domains().containsKey(id)) {
                out.add(new Violation(
                        Invariant.G8, List.of("group " + group.id(), id.toString()), "uses a freed domain"));
                return;
            }
        }
        String iommu = state.iommuOf(group);
        DomainState domain = state.domain(group.domain());
        if (!domain.iommu().equals(iommu)) {
            out.add(new Violation(
                    Invariant.G8,
                    List.of("group " + group.id(), domain.label()),
                    "attached to a domain of IOMMU " + domain.iommu() + ", devices sit behind " + iommu));
        }
    }

    private static Map<Claimant, Integer> kernelClaims(GroupState group) {
        return new TreeMap<>(group.claims());
    }

    private static Map<Claimant, Integer> expectedKernelClaims(KernelState state, GroupState group) {
        Map<Claimant, Integer> expected = new TreeMap<>();
        kernelBound(state, group).forEach(d -> expected.put(Claimant.device(d), 1));
        return expected;
    }

    /** Devices of the group bound to a driver without driver_managed_dma (docs/kernel-rules.md, driver core). */
    static List<DeviceId> kernelBound(KernelState state, GroupState group) {
        List<DeviceId> bound = new ArrayList<>();
        for (DeviceId device : group.devices()) {
            Optional<DriverSpec> driver = state.device(device).driver().flatMap(state.topology()::driver);
            if (driver.isPresent() && !driver.get().managedDma()) {
                bound.add(device);
            }
        }
        return bound;
    }

    private static List<String> objects(String group, List<DeviceId> devices) {
        List<String> objects = new ArrayList<>(List.of(group));
        devices.forEach(d -> objects.add(d.name()));
        return objects;
    }
}
