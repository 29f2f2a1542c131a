package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Handle;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.GroupState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The guided cast's in-kernel user of the shared-domain attach. */
final class GuidedSharedDomain {
    private GuidedSharedDomain() {}

    // ---- in-kernel users ----

    static List<GuidedAction> actions() {
        return List.of(
                new GuidedAction(
                        "DomainAlloc",
                        p -> p.myDomains(d -> true).size() < 4
                                ? p.device(d -> d.present()).map(d -> new Command.DomainAlloc(d, p.label("d")))
                                : Optional.empty(),
                        p -> p.device(d -> !d.present()).map(d -> new Command.DomainAlloc(d, p.label("d")))),
                new GuidedAction(
                        "AttachShared",
                        p -> p.one(p.myDomains(d -> true))
                                .flatMap(domain -> p.device(d -> d.present()
                                                && p.state.groupOf(d.id()).isPresent()
                                                && p.state
                                                        .iommuOf(p.state
                                                                .groupOf(d.id())
                                                                .get())
                                                        .equals(domain.iommu())
                                                && heldByNoneOr(
                                                        p,
                                                        d.id(),
                                                        "shared-domain:"
                                                                + domain.id().number())
                                                && (d.driver().isEmpty() || p.random.nextInt(4) == 0))
                                        .map(d -> new Command.AttachShared(new Handle.Domain(domain.id()), d))),
                        p -> p.one(p.myDomains(d -> true))
                                .map(domain ->
                                        new Command.AttachShared(new Handle.Domain(domain.id()), p.anyDevice()))),
                new GuidedAction(
                        "DetachShared",
                        p -> p.one(p.myDomains(d -> true))
                                .flatMap(domain -> p.one(joined(p, domain))
                                        .map(d -> new Command.DetachShared(new Handle.Domain(domain.id()), d))),
                        p -> p.one(p.myDomains(d -> true))
                                .map(domain ->
                                        new Command.DetachShared(new Handle.Domain(domain.id()), p.anyDevice()))),
                GuidedCast.domainFree());
    }

    /** Whether the device's group has no holder, or only the owner whose key is {@code owner}. */
    private static boolean heldByNoneOr(Pick p, DeviceId device, String owner) {
        return p.state
                .groupOf(device)
                .map(g -> g.ownerCnt() == 0
                        || g.owner().map(o -> o.key().equals(owner)).orElse(false))
                .orElse(false);
    }

    /** The devices that joined {@code domain} through the shared-attach interface. */
    private static List<DeviceId> joined(Pick p, DomainState domain) {
        String key = "shared-domain:" + domain.id().number();
        List<DeviceId> found = new ArrayList<>();
        for (GroupState group : p.state.groupsReferencing(domain.id())) {
            if (group.owner().map(o -> o.key().equals(key)).orElse(false)) {
                group.claims().keySet().forEach(c -> {
                    if (c instanceof Claimant.OfDevice d) {
                        found.add(d.device());
                    }
                });
            }
        }
        return found;
    }
}
