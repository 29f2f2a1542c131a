package dev.custody.sim;

import dev.custody.api.ActorEngine;
import dev.custody.api.CustodyRuntime;
import dev.custody.api.KernelEngine;
import dev.custody.api.ModelEngine;
import dev.custody.invariants.Invariant;
import dev.custody.invariants.Violation;
import dev.custody.model.Command;
import dev.custody.model.Topology;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import dev.custody.rules.Describe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * Races the agents against an engine and checks every invariant after every event.
 * Deterministic: one thread, and a seeded scheduler picks which agent calls next, so a seed gives the
 * same interleaving every time. Concurrent: one thread per agent, racing for real; the decisions are
 * checked in the order the engine took them.
 */
public final class Simulation {
    private final SimSettings settings;
    private final Topology topology;
    private final Topology workedOn;
    private final String instance;
    private final Optional<CustodyRuntime> shared;
    private final Optional<KernelEngine> engine;
    private int traceWindow = TraceWindow.DEFAULT_SIZE;

    public Simulation(SimSettings settings) {
        this(settings, Optional.empty());
    }

    /**
     * A run whose actor engine starts on {@code shared} (a fleet's hosts share one runtime, each its own
     * engine instance) rather than on a runtime of its own.
     */
    public Simulation(SimSettings settings, Optional<CustodyRuntime> shared) {
        this.settings = settings;
        this.shared = shared;
        this.engine = Optional.empty();
        // one engine instance per run, so runs on one journal never mix; printed so replay can find it
        this.instance = "sim-" + Long.toHexString(settings.seed()) + "-" + Long.toHexString(System.nanoTime());
        this.topology = SimTopology.forRun(settings.seed(), settings.groups(), settings.schedule());
        // a smaller machine of the same seed is the host's first groups: what the agents work on
        this.workedOn = settings.activeGroups() == settings.groups()
                ? topology
                : SimTopology.forRun(settings.seed(), settings.activeGroups(), settings.schedule());
    }

    /**
     * A run on an engine made elsewhere ({@code simulate --nodes}: a cluster's instance, whose machine
     * every node was given), the agents of {@code settings.seed()} working on {@code workedOn}. The
     * engine's own decisions are what the checks see, so it must hand back whole decisions.
     */
    public Simulation(
            SimSettings settings, Topology topology, Topology workedOn, String instance, KernelEngine engine) {
        this.settings = settings;
        this.shared = Optional.empty();
        this.engine = Optional.of(engine);
        this.instance = instance;
        this.topology = topology;
        this.workedOn = workedOn;
    }

    public Topology topology() {
        return topology;
    }

    /**
     * Keeps the last {@code calls} calls for shrinking a failure rather than {@link
     * TraceWindow#DEFAULT_SIZE} ({@link MinimalTrace} says what happens to a failure after them).
     */
    public Simulation traceWindow(int calls) {
        if (calls < 1) {
            throw new IllegalArgumentException("the trace window keeps at least one call, not " + calls);
        }
        this.traceWindow = calls;
        return this;
    }

    /** The engine instance the actor engine journals this run under ({@code replay --instance}). */
    public String instance() {
        return instance;
    }

    /** The part of the host the agents work on: its first {@code activeGroups} groups. */
    Topology workedOn() {
        return workedOn;
    }

    public SimResult run(LongConsumer progress) {
        return run(progress, DecisionObserver.NONE);
    }

    /** The run, telling {@code observer} every call in decision order (a trace of it). */
    public SimResult run(LongConsumer progress, DecisionObserver observer) {
        try (KernelEngine engine = this.engine.isPresent()
                ? this.engine.get()
                : settings.actors()
                        ? shared.map(runtime -> new ActorEngine(runtime, instance, Duration.ofSeconds(60)))
                                .orElseGet(() -> ActorEngine.onJournal(
                                        settings.journal().orElseThrow(), instance, Duration.ofSeconds(60)))
                        : new ModelEngine(settings.mutants())) {
            Decision booted = engine.boot(topology);
            if (!booted.outcome().isOk()) {
                throw new IllegalStateException("the simulated machine does not boot: "
                        + booted.outcome().explanation().orElse(""));
            }
            observer.started(engine.state());
            if (!settings.deterministic() && engine instanceof ActorEngine actors) {
                return runPipelined(actors, progress, observer);
            }
            // an engine made elsewhere checks its own answers against the model (it decides on both)
            Recorder recorder = new Recorder(
                    engine.state(),
                    settings.actors() && this.engine.isEmpty(),
                    settings.check(),
                    observer,
                    traceWindow);
            List<Agent> agents = Agents.all(settings, workedOn, recorder::current);
            long start = System.nanoTime();
            long cpuStart = ProcessCpu.nanos();
            if (settings.deterministic()) {
                runDeterministic(engine, agents, recorder, progress, settings.operations(), () -> timeUp(start));
            } else {
                runConcurrent(engine, agents, recorder, progress, start);
            }
            long elapsed = System.nanoTime() - start;
            long cpu = ProcessCpu.nanos() - cpuStart;
            if (engine instanceof ActorEngine actors && recorder.failure().isEmpty()) {
                recorder.checkJournal(actors);
            }
            Optional<SimResult.Failure> failure = recorder.failure()
                    .map(f -> MinimalTrace.of(
                            f.step(),
                            f.violations(),
                            recorder.kept(),
                            traceWindow,
                            settings.seed(),
                            new TraceShrinker(topology, settings.mutants(), settings.check()),
                            settings.deterministic() ? Optional.of(this::regenerate) : Optional.empty()));
            return new SimResult(
                    settings,
                    topology,
                    recorder.stats().operations(),
                    elapsed,
                    cpu,
                    recorder.stats().outcomes(),
                    recorder.stats().latencies(),
                    recorder.checks(),
                    failure,
                    recorder.timeline(),
                    recorder.throughput(start),
                    recorder.coverage());
        }
    }

    /**
     * The first {@code calls} calls of this run decided again on the pure model from its seed: the
     * run's own calls when it is deterministic and its engine answered as the model does (which the
     * run checks). What a failure after the trace window is shrunk from boot with ({@link MinimalTrace}).
     */
    List<TraceEntry> regenerate(long calls) {
        try (ModelEngine model = new ModelEngine(settings.mutants())) {
            model.boot(topology);
            Recorder recorder = new Recorder(model.state(), false, settings.check(), DecisionObserver.NONE, (int)
                    Math.min(Integer.MAX_VALUE, Math.max(1, calls)));
            List<Agent> agents = Agents.all(settings, workedOn, recorder::current);
            runDeterministic(model, agents, recorder, n -> {}, calls, () -> false);
            return recorder.kept().entries();
        }
    }

    private void runDeterministic(
            KernelEngine engine,
            List<Agent> agents,
            Recorder recorder,
            LongConsumer progress,
            long calls,
            BooleanSupplier timeUp) {
        if (settings.schedule() == Schedule.GUIDED) {
            runGuided(engine, recorder, progress, calls, timeUp);
            return;
        }
        Random scheduler = new Random(settings.seed());
        for (long i = 0; i < calls && !recorder.stopped() && !timeUp.getAsBoolean(); i++) {
            Agent agent = agents.get(scheduler.nextInt(agents.size()));
            call(engine, agent, recorder, i);
            progress.accept(i + 1);
        }
    }

    /** The guided schedule ({@link GuidedScheduler}): its own cast, told how new each call's answer was. */
    private void runGuided(
            KernelEngine engine, Recorder recorder, LongConsumer progress, long calls, BooleanSupplier timeUp) {
        GuidedScheduler scheduler = new GuidedScheduler(
                settings.seed(),
                workedOn,
                settings.vfioUsers(),
                settings.iommufdUsers(),
                settings.refusalShare(),
                recorder.coverageMap());
        for (long i = 0; i < calls && !recorder.stopped() && !timeUp.getAsBoolean(); i++) {
            GuidedScheduler.Choice choice = scheduler.next(recorder.current());
            long t0 = System.nanoTime();
            Decision decision = recorder.decide(engine, choice.agent(), choice.command(), choice.agent() + "-" + i);
            recorder.stats().record(choice.command(), decision.outcome(), System.nanoTime() - t0);
            scheduler.observe(choice, recorder.lastNovelty(), decision.outcome().isOk());
            if (choice.aimedAtRefusal()) {
                recorder.aimedAtRefusal();
            }
            progress.accept(i + 1);
        }
    }

    private void runConcurrent(
            KernelEngine engine, List<Agent> agents, Recorder recorder, LongConsumer progress, long start) {
        AtomicLong issued = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (Agent agent : agents) {
            threads.add(Thread.ofPlatform().name("agent-" + agent.name()).start(() -> {
                long i;
                while ((i = issued.getAndIncrement()) < settings.operations()
                        && !recorder.stopped()
                        && !timeUp(start)) {
                    call(engine, agent, recorder, i);
                    progress.accept(recorder.stats().operations());
                }
            }));
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Real concurrency: one thread per agent, each call in flight while others are decided; the
     * checks follow the journal's order through the engine's change stream.
     */
    private SimResult runPipelined(ActorEngine engine, LongConsumer progress, DecisionObserver observer) {
        JournalOrderChecker checker = new JournalOrderChecker(engine.state(), settings.check(), observer, traceWindow);
        AutoCloseable subscription = engine.admin()
                .subscribe(checker::journaled)
                .toCompletableFuture()
                .join();
        List<Agent> agents = Agents.all(settings, workedOn, checker::shadow);
        Stats stats = new Stats();
        PerSecondCounts completions = new PerSecondCounts(); // a count a second, not a timestamp a call
        AtomicLong issued = new AtomicLong();
        AtomicLong changing = new AtomicLong();
        long start = System.nanoTime();
        long cpuStart = ProcessCpu.nanos();
        List<Thread> threads = new ArrayList<>();
        for (Agent agent : agents) {
            threads.add(Thread.ofPlatform().name("agent-" + agent.name()).start(() -> {
                long i;
                while ((i = issued.getAndIncrement()) < settings.operations() && !checker.stopped() && !timeUp(start)) {
                    Command<?> command = agent.next();
                    String operationId = agent.name() + "-" + i;
                    checker.sent(operationId, agent.name(), command);
                    long t0 = System.nanoTime();
                    Decision decision;
                    try {
                        decision = engine.decide(command, operationId);
                    } catch (RuntimeException broken) {
                        checker.fail(List.of(engineError(operationId, command, broken)));
                        return;
                    }
                    stats.record(command, decision.outcome(), System.nanoTime() - t0);
                    completions.record(System.nanoTime() - start);
                    if (!decision.events().isEmpty()) {
                        changing.incrementAndGet();
                    } else {
                        checker.answeredUnchanged(operationId);
                        // not journaled, so not in the journal's order: told as it is answered
                        observer.decided(
                                agent.name(),
                                operationId,
                                command,
                                decision.outcome(),
                                null,
                                null,
                                List.of(),
                                List.of());
                    }
                    agent.observe(command, decision.outcome());
                    progress.accept(stats.operations());
                }
            }));
        }
        threads.forEach(Simulation::join);
        long elapsed = System.nanoTime() - start;
        long cpu = ProcessCpu.nanos() - cpuStart;
        QuietEngine.Quiet quiet = QuietEngine.quiesce(engine.admin());
        quiet.stuck().ifPresent(stuck -> checker.fail(List.of(stuck)));
        long journaled = quiet.lastSeq();
        if (!checker.awaitChecked(changing.get(), java.time.Duration.ofSeconds(60))
                && checker.failure().isEmpty()) {
            checker.fail(List.of(new Violation(
                    Invariant.J1,
                    List.of("journal"),
                    changing.get() + " calls changed the state but only " + checker.checked()
                            + " decisions reached the journal's stream")));
        }
        if (checker.failure().isEmpty() && journaled != changing.get() + 1) {
            checker.fail(List.of(new Violation(
                    Invariant.J1,
                    List.of("journal"),
                    "the journal holds " + (journaled - 1) + " decisions after boot but " + changing.get()
                            + " were acknowledged")));
        }
        if (checker.failure().isEmpty() && !engine.state().equals(checker.shadow())) {
            checker.fail(List.of(new Violation(
                    Invariant.J2,
                    List.of("journal"),
                    "the engine's state differs from the fold of the journaled decisions")));
        }
        if (checker.failure().isEmpty()) {
            List<Violation> lost = RestartAudit.restartAndAudit(engine, checker.shadow());
            if (!lost.isEmpty()) {
                checker.fail(lost);
            }
        }
        try {
            subscription.close();
        } catch (Exception ignored) {
            // the listener is stopped with the runtime anyway
        }
        Optional<SimResult.Failure> failure = checker.failure()
                .map(f -> MinimalTrace.of(
                        f.step(),
                        f.violations(),
                        checker.kept(),
                        traceWindow,
                        settings.seed(),
                        new TraceShrinker(topology, settings.mutants(), settings.check()),
                        Optional.empty())); // journal order: not reproduced by the seed
        List<Long> perSecond = completions.counts();
        return new SimResult(
                settings,
                topology,
                stats.operations(),
                elapsed,
                cpu,
                stats.outcomes(),
                stats.latencies(),
                checker.checked(),
                failure,
                checker.timeline(),
                perSecond,
                CoverageSummary.NONE);
    }

    /** The engine failed to answer (a timeout, a crashed actor): that is a finding, not a crash of the run. */
    static Violation engineError(String operationId, Command<?> command, RuntimeException broken) {
        if (broken instanceof EngineDisagreement disagreement) {
            return new Violation(
                    Invariant.D0, List.of(operationId, command.getClass().getSimpleName()), disagreement.getMessage());
        }
        return new Violation(
                Invariant.E1,
                List.of(operationId, command.getClass().getSimpleName()),
                "the engine did not answer: " + broken);
    }

    private static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean timeUp(long start) {
        return settings.duration()
                .map(d -> System.nanoTime() - start > d.toNanos())
                .orElse(false);
    }

    /** One agent's call; in concurrent runs the recorder orders the checks by decision. */
    private void call(KernelEngine engine, Agent agent, Recorder recorder, long index) {
        Command<?> command = agent.next();
        String operationId = agent.name() + "-" + index;
        long t0 = System.nanoTime();
        Decision decision = recorder.decide(engine, agent.name(), command, operationId);
        recorder.stats().record(command, decision.outcome(), System.nanoTime() - t0);
        agent.observe(command, decision.outcome());
    }

    /**
     * Keeps the trace and the checks in decision order. The engine is called inside the lock, so the
     * state before and after each decision are exactly the engine's (the actor engine serializes
     * decisions anyway; the lock only orders the checks with them).
     */
    static final class Recorder {
        private KernelState current;
        private final KernelState initial;
        private final TraceWindow trace;
        private final List<SimResult.OwnershipPoint> timeline = new ArrayList<>();
        private final List<Long> completions = new ArrayList<>();
        private final Stats stats = new Stats();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private Optional<Failed> failure = Optional.empty();
        /** What the trace kept when the failure was found: the calls after it are not part of it. */
        private Optional<TraceWindow.Kept> keptAtFailure = Optional.empty();

        private long checks;

        record Failed(long step, List<Violation> violations) {}

        private final boolean differential;
        private final CheckMode check;
        private long acknowledged;

        private final DecisionObserver observer;
        private final Coverage coverage = new Coverage();
        private int lastNovelty;
        private long refused;
        private long aimedAtRefusal;

        /** {@code differential}: re-decide each call on the pure model and compare (the actor engine's check). */
        Recorder(KernelState initial, boolean differential, CheckMode check, DecisionObserver observer, int window) {
            this.observer = observer;
            this.current = initial;
            this.initial = initial;
            this.trace = new TraceWindow(window);
            this.differential = differential;
            this.check = check;
            initial.groups().values().forEach(g -> timeline.add(point(0, initial, g)));
        }

        synchronized KernelState current() {
            return current;
        }

        synchronized Decision decide(KernelEngine engine, String agent, Command<?> command, String operationId) {
            KernelState before = current;
            Decision decision;
            try {
                decision = engine.decide(command, operationId);
            } catch (RuntimeException broken) {
                if (failure.isEmpty()) {
                    failure =
                            Optional.of(new Failed(trace.calls(), List.of(engineError(operationId, command, broken))));
                    keptAtFailure = Optional.of(trace.kept(initial));
                    observer.failed(failure.get().violations());
                }
                stopped.set(true);
                return new Decision(
                        List.of(),
                        dev.custody.model.Outcome.fail(dev.custody.model.Errno.EFAULT, "the engine did not answer"),
                        before);
            }
            trace.add(before, new TraceEntry(agent, command, decision.outcome()));
            completions.add(System.nanoTime());
            lastNovelty = coverage.record(before, command, decision.outcome());
            if (decision.outcome() instanceof dev.custody.model.Outcome.Failed<dev.custody.model.Reply>
                    || decision.outcome() instanceof dev.custody.model.Outcome.Warned<dev.custody.model.Reply>) {
                refused++;
            }
            List<Violation> violations = new ArrayList<>(StepCheck.after(before, decision, check));
            if (differential) {
                violations.addAll(Differential.check(before, command, decision));
            }
            if (decision.outcome().isOk() || !decision.events().isEmpty()) {
                acknowledged += decision.events().isEmpty() ? 0 : 1;
            }
            checks++;
            if (!violations.isEmpty() && failure.isEmpty()) {
                failure = Optional.of(new Failed(trace.calls(), violations));
                keptAtFailure = Optional.of(trace.kept(initial));
                stopped.set(true);
            }
            observer.decided(
                    agent,
                    operationId,
                    command,
                    decision.outcome(),
                    before,
                    decision.state(),
                    decision.events(),
                    violations);
            current = decision.state();
            long step = trace.calls();
            ChangedGroups.of(before, current, decision.events(), check)
                    .forEach(g -> timeline.add(point(step, current, g)));
            return decision;
        }

        private static SimResult.OwnershipPoint point(long step, KernelState state, GroupState group) {
            return new SimResult.OwnershipPoint(
                    step,
                    group.id().number(),
                    group.owner().map(o -> o.label()).orElse("kernel"),
                    group.ownerCnt(),
                    Describe.domainOf(state, group, group.domain()));
        }

        boolean stopped() {
            return stopped.get();
        }

        /**
         * Nothing acknowledged is missing: after the engine is quiet, its journal holds exactly the
         * boot decision plus every acknowledged decision with events, and its recovered state is the
         * fold of what this run saw.
         */
        synchronized void checkJournal(ActorEngine engine) {
            QuietEngine.Quiet quiet = QuietEngine.quiesce(engine.admin());
            long journaled = quiet.lastSeq();
            KernelState recovered = engine.state();
            List<Violation> found = new ArrayList<>();
            quiet.stuck().ifPresent(found::add);
            if (found.isEmpty() && journaled != acknowledged + 1) {
                found.add(new Violation(
                        Invariant.J1,
                        List.of("journal"),
                        "the journal holds " + (journaled - 1) + " decisions after boot but " + acknowledged
                                + " were acknowledged"));
            }
            if (!recovered.equals(current)) {
                found.add(new Violation(
                        Invariant.J2,
                        List.of("journal"),
                        "the engine's state differs from the fold of the acknowledged decisions"));
            }
            if (found.isEmpty()) {
                found.addAll(RestartAudit.restartAndAudit(engine, current));
            }
            if (!found.isEmpty()) {
                failure = Optional.of(new Failed(trace.calls(), found));
                observer.failed(found);
            }
        }

        Stats stats() {
            return stats;
        }

        synchronized void aimedAtRefusal() {
            aimedAtRefusal++;
        }

        /** How much new coverage the last decided call reached. */
        synchronized int lastNovelty() {
            return lastNovelty;
        }

        /** The coverage map itself, for the guided schedule (one thread: no one else writes it meanwhile). */
        Coverage coverageMap() {
            return coverage;
        }

        synchronized CoverageSummary coverage() {
            return coverage.summary(refused, aimedAtRefusal);
        }

        synchronized long checks() {
            return checks;
        }

        synchronized Optional<Failed> failure() {
            return failure;
        }

        /**
         * The calls kept for shrinking, and from which state they were decided: up to the failing call,
         * when there is one, since a concurrent run's other agents go on deciding until they see it stop
         * (their calls would push the failing one out of the window).
         */
        synchronized TraceWindow.Kept kept() {
            return keptAtFailure.orElseGet(() -> trace.kept(initial));
        }

        /** The calls the trace holds in memory now: at the window, however long the run. */
        synchronized long keptCalls() {
            return trace.keptCalls();
        }

        synchronized List<SimResult.OwnershipPoint> timeline() {
            return List.copyOf(timeline);
        }

        /** Operations completed in each second of the run. */
        synchronized List<Long> throughput(long start) {
            List<Long> perSecond = new ArrayList<>();
            for (long at : completions) {
                int second = (int) ((at - start) / 1_000_000_000L);
                while (perSecond.size() <= second) {
                    perSecond.add(0L);
                }
                perSecond.set(second, perSecond.get(second) + 1);
            }
            return perSecond;
        }
    }
}
