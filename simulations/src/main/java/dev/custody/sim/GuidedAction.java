package dev.custody.sim;

import dev.custody.model.Command;
import java.util.Optional;
import java.util.function.Function;

/**
 * One kind of call a guided role makes, with two ways to choose its arguments from the state:
 * {@code aimed} picks arguments the rules should accept (live objects, matching drivers, aligned
 * ranges), {@code refused} arguments they should refuse (a stale fd, a device that is absent, a size no
 * page divides). Either may find nothing fitting in the current state (empty). {@code mutable}: refusals
 * may also be aimed calls with one argument mutated ({@link ArgumentMutator}). {@code rare}: a call a role makes
 * seldom, drawn apart from the others (see {@link #rare}).
 */
record GuidedAction(
        String operation,
        Function<Pick, Optional<Command<?>>> aimed,
        Function<Pick, Optional<Command<?>>> refused,
        boolean mutable,
        boolean rare) {

    GuidedAction(
            String operation,
            Function<Pick, Optional<Command<?>>> aimed,
            Function<Pick, Optional<Command<?>>> refused) {
        this(operation, aimed, refused, true, false);
    }

    GuidedAction(
            String operation,
            Function<Pick, Optional<Command<?>>> aimed,
            Function<Pick, Optional<Command<?>>> refused,
            boolean mutable) {
        this(operation, aimed, refused, mutable, false);
    }

    /**
     * A call a role makes seldom (a bus reset, a query of the IOMMU's capabilities): the scheduler
     * draws it apart, now and then between the other calls and from a random stream of its own
     * ({@link GuidedScheduler}), so the other calls of a seed mostly stay the calls they were and
     * keep their rare refusals. It is aimed at a refusal or at success as the call in its place
     * would have been, so the share of refusals stays exact. Its refusals are all its own (no mutated argument): a rare call has few
     * refusals to spend, and its own aim at checks a mutation seldom meets.
     */
    static GuidedAction rare(
            String operation,
            Function<Pick, Optional<Command<?>>> aimed,
            Function<Pick, Optional<Command<?>>> refused) {
        return new GuidedAction(operation, aimed, refused, false, true);
    }

    /**
     * A call of the in-kernel API that trusts its caller to own the group (iommu_group_replace_domain,
     * iommu_attach_group, iommu_group_release_dma_owner...): its refusals keep that contract, so no
     * argument of it is mutated at random.
     */
    static GuidedAction trusting(
            String operation,
            Function<Pick, Optional<Command<?>>> aimed,
            Function<Pick, Optional<Command<?>>> refused) {
        return new GuidedAction(operation, aimed, refused, false);
    }

    /** A role: the name its calls carry in the trace, and what it does. */
    record Role(String name, java.util.List<GuidedAction> actions) {}
}
