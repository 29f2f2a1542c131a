package dev.custody.sim;

import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.Handle;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import dev.custody.rules.Mutant;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Shrinks a failing trace to a short sequence that still breaks the same invariant, replaying on the
 * pure model: drop chunks of calls, halving the chunk size (delta debugging), within a time budget.
 * A name a call of the trace was given is renamed to what the same call gives on the replay; any
 * other name is kept as it was. That is every object no call's answer names (a group's default
 * domain, the device object a cdev bind makes, an iommufd's compat IOAS, a freed domain's id), which
 * the replay makes again under the same name, and an object whose creating call was dropped: its
 * name then means whatever it means on the replay, which decides whether the shorter trace still fails.
 */
final class TraceShrinker {
    private static final long BUDGET_NANOS = 20_000_000_000L;

    private final Topology topology;
    private final Set<Mutant> mutants;
    private final CheckMode check;

    TraceShrinker(Topology topology, Set<Mutant> mutants, CheckMode check) {
        this.topology = topology;
        this.mutants = Set.copyOf(mutants);
        this.check = check;
    }

    TraceShrinker(Topology topology, Set<Mutant> mutants) {
        this(topology, mutants, CheckMode.INCREMENTAL);
    }

    /** The trace shrunk from boot, or as recorded when the model alone does not break on it. */
    List<TraceEntry> shrink(List<TraceEntry> trace, List<Violation> found) {
        // not reproducible on the model alone (a journal or actor fault): report as recorded
        return shrink(booted(), trace, found.getFirst().invariant()).orElse(trace);
    }

    /** The state every run starts from: the topology booted. */
    KernelState booted() {
        return Kernel.boot(topology).state();
    }

    /**
     * The calls replayed from {@code start} and shrunk to a short sequence that still breaks {@code
     * invariant} from there; empty when the whole sequence does not break it on the model.
     */
    Optional<List<TraceEntry>> shrink(KernelState start, List<TraceEntry> trace, String invariant) {
        Optional<List<TraceEntry>> first = replay(start, trace, invariant);
        if (first.isEmpty()) {
            return Optional.empty();
        }
        List<TraceEntry> current = first.get();
        long deadline = System.nanoTime() + BUDGET_NANOS;
        int chunk = Math.max(1, current.size() / 2);
        while (chunk >= 1 && System.nanoTime() < deadline) {
            boolean removed = false;
            for (int from = current.size() - 1; from >= 0 && System.nanoTime() < deadline; from -= chunk) {
                int to = from + 1;
                int begin = Math.max(0, to - chunk);
                List<TraceEntry> candidate = new ArrayList<>(current.subList(0, begin));
                candidate.addAll(current.subList(to, current.size()));
                Optional<List<TraceEntry>> still =
                        candidate.isEmpty() ? Optional.empty() : replay(start, candidate, invariant);
                if (still.isPresent()) {
                    current = still.get();
                    removed = true;
                    from = Math.min(from, current.size());
                }
            }
            if (!removed) {
                chunk /= 2;
            }
        }
        return Optional.of(current);
    }

    /** Replays the calls from boot; if {@code invariant} breaks, the calls up to that step with their new answers. */
    Optional<List<TraceEntry>> replay(List<TraceEntry> trace, String invariant) {
        return replay(booted(), trace, invariant);
    }

    /** Replays the calls from {@code start}; if {@code invariant} breaks, the calls up to that step, answered anew. */
    Optional<List<TraceEntry>> replay(KernelState start, List<TraceEntry> trace, String invariant) {
        KernelState state = start;
        Map<Handle, Handle> renamed = new HashMap<>();
        List<TraceEntry> replayed = new ArrayList<>();
        for (TraceEntry entry : trace) {
            Command<?> command = rename(entry.command(), renamed);
            Decision decision = Operations.decide(state, command, mutants);
            TraceEntry now = new TraceEntry(entry.agent(), command, decision.outcome());
            replayed.add(now);
            entry.created().ifPresent(original -> now.created().ifPresent(fresh -> renamed.put(original, fresh)));
            if (StepCheck.after(state, decision, check).stream()
                    .anyMatch(v -> v.invariant().equals(invariant))) {
                return Optional.of(replayed);
            }
            state = decision.state();
        }
        return Optional.empty();
    }

    /** The command with each object it names replaced by the replay's object created in the same call. */
    static Command<?> rename(Command<?> command, Map<Handle, Handle> renamed) {
        RecordComponent[] components = command.getClass().getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        boolean changed = false;
        try {
            for (int i = 0; i < components.length; i++) {
                Object value = components[i].getAccessor().invoke(command);
                Object now = value instanceof Handle h
                        ? renameHandle(h, renamed)
                        : value instanceof Optional<?> o && o.isPresent() && o.get() instanceof Handle h
                                ? Optional.of(renameHandle(h, renamed))
                                : value;
                changed |= now != value;
                values[i] = now;
                types[i] = components[i].getType();
            }
            if (!changed) {
                return command;
            }
            Constructor<?> canonical = command.getClass().getDeclaredConstructor(types);
            return (Command) canonical.newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot rebuild " + command, e);
        }
    }

    private static Handle renameHandle(Handle handle, Map<Handle, Handle> renamed) {
        // iommufd object ids are reused (the lowest free one), so a name is not unbound merely
        // because a call that created it was dropped: another object may carry it by then
        return renamed.getOrDefault(handle, handle);
    }
}
