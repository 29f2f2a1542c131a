package dev.custody.rules;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import java.util.stream.Collectors;

/** Human wording for reasons: who holds a group, what a domain is. */
public final class Describe {
    private Describe() {}

    /** "1 kernel DMA user (0000:00:03.0 bound to e1000e)" or "owner g1 with 2 claims (...)". */
    public static String holders(KernelState state, GroupState group) {
        int count = group.ownerCnt();
        String who =
                group.claims().keySet().stream().map(c -> claimant(state, c)).collect(Collectors.joining(", "));
        if (group.owner().isEmpty()) {
            return count + " kernel DMA user" + (count == 1 ? "" : "s") + (who.isEmpty() ? "" : " (" + who + ")");
        }
        return "owner " + group.owner().get().label() + " with " + count + " claim" + (count == 1 ? "" : "s")
                + (who.isEmpty() ? "" : " (" + who + ")");
    }

    static String claimant(KernelState state, Claimant claimant) {
        return switch (claimant) {
            case Claimant.OfGroup g -> "the group";
            case Claimant.OfDevice d -> device(state, d.device());
        };
    }

    static String device(KernelState state, DeviceId id) {
        return state.device(id).driver().map(drv -> id + " bound to " + drv).orElse(id.name());
    }

    /** The name users see for a group's domain: "default", "blocking" or the domain's label. */
    public static String domainOf(KernelState state, GroupState group, DomainId domain) {
        if (domain.equals(group.defaultDomain())) {
            return "default";
        }
        if (group.blockingDomain().map(domain::equals).orElse(false)) {
            return "blocking";
        }
        return state.domains().containsKey(domain) ? state.domain(domain).label() : domain.toString();
    }

    public static String domain(KernelState state, DomainId domain) {
        return state.domains().containsKey(domain) ? state.domain(domain).label() : domain.toString();
    }
}
