package dev.custody.invariants;

import dev.custody.model.GroupId;
import dev.custody.model.Outcome;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Evaluates the invariants of docs/invariants.md over a whole state, and the transition invariants
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
        out.addAll(transitions(before, after, outcome));
        return out;
    }

    /** G9, G11, G12: what one step may not do to a group that survives it. */
    private static List<Violation> transitions(KernelState before, KernelState after, Outcome<?> outcome) {
        List<Violation> out = new ArrayList<>();
        for (GroupState old : before.groups().values()) {
            Optional<GroupState> now = after.group(old.id());
            if (now.isEmpty()) {
                continue;
            }
            String g = "group " + old.id();
            if (outcome instanceof Outcome.Failed && !now.get().domain().equals(old.domain())) {
                out.add(new Violation(Invariant.G12, List.of(g), "a failed operation changed the domain"));
            }
            if (!old.pasids().isEmpty()
                    && (!now.get().owner().equals(old.owner()) || now.get().ownerCnt() != old.ownerCnt())) {
                out.add(new Violation(Invariant.G9, List.of(g), "ownership changed with PASIDs attached"));
            }
            if (old.blockingDomain().isPresent() && !now.get().blockingDomain().equals(old.blockingDomain())) {
                out.add(new Violation(
                        Invariant.G11, List.of(g), "the blocking domain changed before the group emptied"));
            }
        }
        return out;
    }

    /**
     * The groups one decision's events can have changed an invariant about (directly, or through a
     * device, a domain or a file, in the state before and after), in group order; every other group
     * is as it was.
     */
    public static SortedSet<GroupId> touchedGroups(
            KernelState before, KernelState after, List<dev.custody.model.event.KernelEvent> events) {
        return new TreeSet<>(StepScope.of(before, after, events).groups());
    }

    /**
     * As {@link #checkStep} but only over what the decision's events can have changed (the touched
     * groups and the files and domains around them). It finds every violation the decision caused;
     * violations that were already there before it and that it did not touch are not repeated.
     */
    public static List<Violation> checkStepIncrementally(
            KernelState before,
            KernelState after,
            Outcome<?> outcome,
            List<dev.custody.model.event.KernelEvent> events) {
        if (events.isEmpty()) {
            return List.of(); // nothing changed: every invariant is as it was
        }
        StepScope scope = StepScope.of(before, after, events);
        KernelState reducedBefore = scope.reduce(before);
        KernelState reducedAfter = scope.reduce(after);
        List<Violation> out = new ArrayList<>();
        GroupInvariants.check(reducedAfter, out, false); // groups left out would look gone to G10
        GroupInvariants.checkVanished(before, after, scope.groups(), out);
        VfioInvariants.check(reducedAfter, out);
        MappingInvariants.check(reducedAfter, out);
        out.addAll(transitions(reducedBefore, reducedAfter, outcome));
        return out;
    }
}
