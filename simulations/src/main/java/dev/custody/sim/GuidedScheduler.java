package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.GroupId;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The guided schedule: which role calls next, with which kind of call and which arguments, chosen the
 * way a coverage-guided fuzzer keeps the inputs that reach new code.
 *
 * <ul>
 *   <li>Every (role, kind of call, aim) has a novelty score: an exponential average of how much new
 *       {@link Coverage} its recent calls reached. The next call's kind is drawn with weight
 *       {@code 1 + 8 * score}, so kinds that keep finding new pairs, branches, triples or shapes are
 *       called more, and every kind keeps a floor so none starves. Scores start optimistic (1).
 *   <li>The arguments come from the state ({@link GuidedCast}, {@link Pick}): live objects of the caller,
 *       drivers the device matches, aligned ranges inside the aperture; among fitting targets, one on a
 *       group shape that kind of call has not met is preferred half the time.
 *   <li>A share of the calls is aimed at refusals ({@code refusalShare}): whenever the calls aimed at a
 *       refusal so far fall below that share, the next call is aimed at a refusal; otherwise at success.
 *       The share is exact to one call; the run's refused calls are that share, less the refusals that
 *       were accepted after all, plus the aimed calls a racing role made fail.
 *       A refusal is mostly an aimed call with one argument mutated, else the action's own wrong
 *       arguments ({@link ArgumentMutator}), so the refusals spread over the rules' checks.
 *   <li>The latest accepted calls that reached new coverage form a corpus; one call in eight branches
 *       from it: the same kind of call by the same role again (aiming at success) or a mutation of
 *       the very call (aiming at a refusal), a fuzzer's way of going on from inputs that found something.
 *       The share of refused calls therefore settles at the target whenever aimed calls mostly succeed.
 * </ul>
 *
 * Everything is drawn from one {@link Random} seeded by the run's seed, and the state is the engine's
 * own, so a seed gives the same calls every time.
 */
final class GuidedScheduler {
    private static final double DECAY = 0.8;
    private static final int TRIES = 24;
    private static final int CORPUS = 64;
    /**
     * The share of the calls that each rare kind of call of each role makes ({@link GuidedAction#rare}):
     * the rare calls together are this times their number (1% for the ten of the default cast before
     * IOMMU_OPTION joined), so a new rare kind adds its own share rather than taking the others'.
     */
    static final double RARE_SHARE_EACH = 0.001;

    private final List<GuidedAction.Role> roles;
    private final List<Slot> slots = new ArrayList<>();
    private final List<Slot> rareSlots = new ArrayList<>();
    private final Random random;
    /**
     * The rare calls' own stream: drawing them takes nothing from {@link #random}, and they mostly change
     * no ownership (a reset, a query, an option; {@link GuidedHotResetScope}'s few opens and binds aside),
     * so a seed's ordinary calls are mostly the same with or without them; an IOAS whose large pages an option turned off aligns at PAGE_SIZE, which the
     * page-sized ranges of the ordinary calls mostly meet.
     */
    private final Random rareRandom;

    private final double rareShare;
    private final double rareShareBeforeSettled;
    private final Topology workedOn;
    private final double refusalShare;
    private final Coverage coverage;
    private long calls;
    private long aimedAtRefusal;
    /** The latest calls that reached new coverage, with their slots: what the fuzzer branches from. */
    private final java.util.ArrayDeque<Choice> corpus = new java.util.ArrayDeque<>();

    /** One kind of call of one role with one aim, and how new its recent calls were. */
    private static final class Slot {
        final GuidedAction.Role role;
        final GuidedAction action;
        final boolean refusal;
        double score = 1;

        Slot(GuidedAction.Role role, GuidedAction action, boolean refusal) {
            this.role = role;
            this.action = action;
            this.refusal = refusal;
        }
    }

    /** The next call: who makes it, what it is, and what the slot it came from was. */
    record Choice(String agent, Command<?> command, Object slot, boolean aimedAtRefusal) {}

    GuidedScheduler(
            long seed, Topology workedOn, int vfioUsers, int iommufdUsers, double refusalShare, Coverage coverage) {
        this.random = new Random(seed ^ 0x6775696465644cL);
        this.rareRandom = new Random(seed ^ 0x7261726543616c6cL);
        this.workedOn = workedOn;
        this.refusalShare = refusalShare;
        this.coverage = coverage;
        this.roles = GuidedOwnershipArguments.withStrayCalls(GuidedCast.roles(vfioUsers, iommufdUsers));
        for (boolean refusal : new boolean[] {false, true}) {
            for (GuidedAction.Role role : roles) {
                for (GuidedAction action : role.actions()) {
                    (action.rare() ? rareSlots : slots).add(new Slot(role, action, refusal));
                }
            }
        }
        this.rareShare = RARE_SHARE_EACH * rareSlots.size() / 2; // a slot for each aim
        this.rareShareBeforeSettled =
                RARE_SHARE_EACH * rareSlots.stream().filter(s -> !late(s)).count() / 2;
    }

    /**
     * The calls before the rare kinds that set a state up ({@link GuidedHotResetScope}) join the rare
     * draws: until then the rare stream draws as it did without them, so a seed's early calls (where
     * the mutants of the guided tests are caught) stay the calls they were.
     */
    static final long SETTLED = 2_000;

    private static boolean late(Slot slot) {
        return slot.action.operation().equals(GuidedHotResetScope.OPERATION);
    }

    Choice next(KernelState state) {
        boolean aimRefusal = aimedAtRefusal < refusalShare * (calls + 1);
        if (!rareSlots.isEmpty() && rareRandom.nextDouble() < (calls < SETTLED ? rareShareBeforeSettled : rareShare)) {
            Optional<Choice> rare = rare(state, aimRefusal);
            if (rare.isPresent()) {
                return rare.get();
            }
        }
        List<Slot> open = new ArrayList<>();
        for (Slot slot : slots) {
            if (slot.refusal == aimRefusal) {
                open.add(slot);
            }
        }
        Optional<Choice> again = fromCorpus(state, aimRefusal);
        if (again.isPresent()) {
            return again.get();
        }
        for (int attempt = 0; attempt < TRIES && !open.isEmpty(); attempt++) {
            Slot slot = draw(open, random);
            Pick pick =
                    new Pick(state, random, slot.role.name(), workedOn, coverage).forOperation(slot.action.operation());
            Optional<Command<?>> command = slot.refusal
                    ? refusal(slot.action, pick)
                    : slot.action.aimed().apply(pick);
            if (command.isPresent()) {
                return new Choice(slot.role.name(), command.get(), slot, slot.refusal);
            }
            open.remove(slot); // nothing fits in this state: not this call
        }
        // nothing fitted (a host with no devices left): a read of any group is always an answer
        GroupId group = workedOn.devices().values().iterator().next().group().orElse(new GroupId(1));
        return new Choice("driver-core", new Command.QueryGroup(group), null, aimRefusal);
    }

    /** A rare call drawn from its own stream, when one fits the state. */
    private Optional<Choice> rare(KernelState state, boolean aimRefusal) {
        List<Slot> open = new ArrayList<>();
        for (Slot slot : rareSlots) {
            if (slot.refusal == aimRefusal && (calls >= SETTLED || !late(slot))) {
                open.add(slot);
            }
        }
        for (int attempt = 0; attempt < TRIES && !open.isEmpty(); attempt++) {
            Slot slot = draw(open, rareRandom);
            Pick pick = new Pick(state, rareRandom, slot.role.name(), workedOn, coverage)
                    .forOperation(slot.action.operation());
            Optional<Command<?>> command = (slot.refusal ? slot.action.refused() : slot.action.aimed()).apply(pick);
            if (command.isPresent()) {
                return Optional.of(new Choice(slot.role.name(), command.get(), slot, slot.refusal));
            }
            open.remove(slot);
        }
        return Optional.empty();
    }

    /**
     * A call aimed at a refusal: three times in four a call the action would aim at success with one
     * argument mutated ({@link ArgumentMutator}), else the action's own idea of a refusal.
     */
    private Optional<Command<?>> refusal(GuidedAction action, Pick pick) {
        if (action.mutable() && random.nextInt(4) != 0) {
            Optional<Command<?>> aimed = action.aimed().apply(pick);
            if (aimed.isPresent()) {
                return Optional.of(ArgumentMutator.mutate(aimed.get(), pick));
            }
        }
        return action.refused().apply(pick);
    }

    /**
     * One time in eight, a call that reached new coverage and was accepted: when aiming at success,
     * the same kind of call by the same role with arguments fitted to the state as it is now; when
     * aiming at a refusal, that very call with one argument mutated.
     * Calls of the in-kernel API that trusts its caller are never kept (see {@link GuidedAction#trusting}).
     */
    private Optional<Choice> fromCorpus(KernelState state, boolean aimRefusal) {
        if (corpus.isEmpty() || random.nextInt(8) != 0) {
            return Optional.empty();
        }
        Choice kept = List.copyOf(corpus).get(random.nextInt(corpus.size()));
        Slot slot = (Slot) kept.slot();
        Pick pick = new Pick(state, random, kept.agent(), workedOn, coverage).forOperation(slot.action.operation());
        if (!aimRefusal) {
            // the same kind of call by the same role, its arguments fitted to the state as it is now
            return slot.action.aimed().apply(pick).map(c -> new Choice(kept.agent(), c, slot, false));
        }
        return Optional.of(new Choice(kept.agent(), ArgumentMutator.mutate(kept.command(), pick), slot, true));
    }

    /** Tells the scheduler how new the chosen call's answer was, and whether it was accepted. */
    void observe(Choice choice, int novelty, boolean accepted) {
        calls++;
        if (novelty > 0
                && accepted
                && choice.slot() instanceof Slot slot
                && slot.action.mutable()
                && !slot.action.rare()) {
            corpus.addLast(choice);
            if (corpus.size() > CORPUS) {
                corpus.removeFirst();
            }
        }
        if (choice.aimedAtRefusal()) {
            aimedAtRefusal++;
        }
        if (choice.slot() instanceof Slot slot) {
            slot.score = DECAY * slot.score + (1 - DECAY) * novelty;
        }
    }

    private static Slot draw(List<Slot> open, Random random) {
        double total = 0;
        for (Slot slot : open) {
            total += weight(slot);
        }
        double at = random.nextDouble() * total;
        for (Slot slot : open) {
            at -= weight(slot);
            if (at < 0) {
                return slot;
            }
        }
        return open.getLast();
    }

    private static double weight(Slot slot) {
        return 1 + 8 * slot.score;
    }
}
