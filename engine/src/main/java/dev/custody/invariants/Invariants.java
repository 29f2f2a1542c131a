package dev.custody.invariants;

import dev.custody.model.Outcome;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Evaluates the invariants of spec section 7 over a whole state, and the transition invariants
 * (G9, G11, G12) over one step. G13 (no third domain during a switch) and D2 (hook order) concern
 * moments inside one kernel call that a state between calls cannot show; the rules guarantee them
 * by construction (a switch is one event; dma_configure precedes the bound event). V5
 * (container_users) is derived from open device fds, so it cannot disagree; V11 is G3 with V2.
 * D1 shows as D3 (a device counted twice).
 */
public final class Invariants {
    private Invariants() {}

    public static List<Violation> check(KernelState state) {
        List<Violation> out = new ArrayList<>();
        GroupInvariants.check(state, out);
        VfioInvariants.check(state, out);
        MappingInvariants.check(state, out);
        return out;
    }

    public static List<Violation> checkStep(KernelState before, KernelState after, Outcome<?> outcome) {
        List<Violation> out = new ArrayList<>(check(after));
        for (GroupState old : before.groups().values()) {
            Optional<GroupState> now = after.group(old.id());
            if (now.isEmpty()) {
                continue;
            }
            String g = "group " + old.id();
            if (outcome instanceof Outcome.Failed && !now.get().domain().equals(old.domain())) {
                out.add(new Violation("G12", Violation.Kind.KERNEL, List.of(g), "a failed operation changed the domain"));
            }
            if (!old.pasids().isEmpty() && (!now.get().owner().equals(old.owner()) || now.get().ownerCnt() != old.ownerCnt())) {
                out.add(new Violation("G9", Violation.Kind.KERNEL, List.of(g), "ownership changed with PASIDs attached"));
            }
            if (old.blockingDomain().isPresent() && !now.get().blockingDomain().equals(old.blockingDomain())) {
                out.add(new Violation("G11", Violation.Kind.KERNEL, List.of(g), "the blocking domain changed before the group emptied"));
            }
        }
        return out;
    }
}
