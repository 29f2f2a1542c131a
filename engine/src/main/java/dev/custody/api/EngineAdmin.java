package dev.custody.api;

import dev.custody.entity.EntityId;
import dev.custody.entity.EntityState;
import dev.custody.entity.HostPort;
import dev.custody.entity.TableDump;
import dev.custody.model.Command;
import dev.custody.model.DomainId;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What only the code that started an engine may do with it: send raw commands (which name files,
 * domains and objects by number, so they prove nothing), read the whole state, get back the
 * capabilities a restart recovered, audit any domain's page table, and stop the engine. The only way
 * to get one is {@link #start}, and nothing reachable from a {@link Custody} leads back to it: a
 * control process keeps it and hands out {@link #custody()}. Scenario runs, the simulator, the
 * oracle comparison, the crash harness and the control socket are such starters
 * (docs/capabilities.md).
 */
public final class EngineAdmin {
    private final Custody custody;

    private EngineAdmin(Custody custody) {
        this.custody = custody;
    }

    /**
     * Starts (or recovers) engine {@code instance} for the topology; see {@link Custody} for what a
     * start refuses. The caller gets the engine's admin: keep it.
     */
    public static CompletionStage<EngineAdmin> start(
            CustodyRuntime runtime, String instance, Topology topology, Duration timeout) {
        return start(runtime, instance, topology, timeout, HostPort.NONE);
    }

    /**
     * As {@link #start(CustodyRuntime, String, Topology, Duration)}, in live host mode: every decision the
     * model does not refuse is carried out on {@code host} before it is answered, and the caller gets the
     * kernel's answer (docs/live-host.md).
     */
    public static CompletionStage<EngineAdmin> start(
            CustodyRuntime runtime, String instance, Topology topology, Duration timeout, HostPort host) {
        return Custody.start(runtime, instance, topology, timeout, host).thenApply(EngineAdmin::new);
    }

    /** The engine as callers use it, with capabilities only: what a control process hands out. */
    public Custody custody() {
        return custody;
    }

    /** This admin with its commands recorded as sent by {@code caller} (see {@link Custody#as}). */
    public EngineAdmin as(String caller) {
        return new EngineAdmin(custody.as(caller));
    }

    /** Who this admin's commands are recorded as sent by. */
    public String caller() {
        return custody.caller();
    }

    public String instance() {
        return custody.instance();
    }

    /**
     * Decides and journals one command; the answer comes once the command's record (with its events,
     * when it changed the machine) is on stable storage. The journal records it under an operation
     * id the engine makes up, which is not one to retry with.
     */
    public CompletionStage<Decision> decide(Command<?> command) {
        return custody.decide(command);
    }

    /**
     * As {@link #decide(Command)} under the caller's own operation id, which the journal records with
     * the command. A retry under the same id (by the same caller) is answered with the first answer
     * and never decided twice, also after a restart, as long as the id is among the engine's last
     * 10,000 caller-named operations. Fails (with a message saying what could not be written) when
     * the engine cannot journal it, or when the id was given to another command before.
     */
    public CompletionStage<Decision> decide(Command<?> command, String operationId) {
        return custody.decide(command, operationId);
    }

    /**
     * A change seen on the host behind the engine's back (a driver unbound by hand, a device unplugged):
     * decided and journaled as the command that makes the model follow it, from caller "host", never
     * carried out. The decision says whether the model could follow (an answer other than ok is drift).
     */
    public CompletionStage<Decision> observe(Command<?> command, String seen) {
        return observe(new HostPort.Observation(command, seen));
    }

    /** As {@link #observe(Command, String)}, dropped (answered ok, recording nothing) when no longer needed. */
    public CompletionStage<Decision> observe(HostPort.Observation observation) {
        return custody.observe(observation);
    }

    /** As {@link #decide(Command)}, with the outcome typed by the command's reply. */
    public <R extends Reply> CompletionStage<Outcome<R>> execute(Command<R> command) {
        return custody.execute(command);
    }

    /** The engine's current state (as the rules see it; every entity holds its slice of it). */
    public CompletionStage<KernelState> state() {
        return custody.state();
    }

    /**
     * After a restart, the capabilities of the caller-allocated domains the journal holds: the
     * process that started the engine gets back what it held before (capabilities themselves are
     * never journaled), and decides who else gets them.
     */
    public CompletionStage<List<DomainRef>> recoveredDomains() {
        return custody.recoveredDomains();
    }

    /** After a restart, the owners of the in-kernel callers' DMA claims the journal holds, one per owner. */
    public CompletionStage<List<DmaOwner>> recoveredOwners() {
        return custody.recoveredOwners();
    }

    /**
     * After a restart, one {@link DefaultDomainUse} for each use of a default domain an in-kernel
     * caller took (iommu_device_use_default_domain) and had not given back, as the journal holds them:
     * a driver's own use, taken by its probe, is not one of them.
     */
    public CompletionStage<List<DefaultDomainUse>> recoveredDefaultDomainUses() {
        return custody.recoveredDefaultDomainUses();
    }

    /**
     * The real (off-heap) page table of any domain that has one (a caller's, a VFIO container's, an
     * iommufd HWPT's), as its actor holds it after every decision made so far: for audits and tests
     * that compare it with the mappings the journal proves. Empty for a domain without a table.
     */
    public CompletionStage<Optional<TableDump>> pageTable(DomainId domain) {
        return custody.pageTable(domain);
    }

    /** One entity's own journaled state, recovered from its journal if its actor is not running. */
    public CompletionStage<EntityState> inspect(EntityId entity) {
        return custody.inspect(entity);
    }

    /**
     * Completes when every device, group, domain and file actor has written every decision so far
     * (and the journal records that), with the last decision's number; fails when an entity cannot
     * write or a write it waits for cannot be made. Answers do not wait for this; tools that read the
     * entities' journals, and a clean stop, do.
     */
    public CompletionStage<Long> quiesce() {
        return custody.quiesce();
    }

    /**
     * As {@link #quiesce}, except that an entity that cannot recover from its journal is not waited for:
     * completes once every other entity has written every decision, with the last decision and the
     * stuck entities (empty when the engine is quiet). What a process that starts an engine and then
     * serves it waits for: a stuck entity is reported and its decisions stay open, and the engine
     * answers as it does when an entity becomes stuck while running (docs/decision-lifecycle.md). Fails
     * as {@link #quiesce} does when an entity cannot write or a write it waits for cannot be made.
     */
    public CompletionStage<dev.custody.entity.Settled> settle() {
        return custody.settle();
    }

    /**
     * How many device, group, domain and file actors run now. An actor unused for a while is stopped
     * (custody.passivate-after, custody.max-live-entities) and started again, from its journal, when it
     * is next needed: for diagnostics, and for tests of that.
     */
    public CompletionStage<Integer> liveEntities() {
        return custody.liveEntities();
    }

    /**
     * The device, group, domain and file actors that cannot recover from their journals (a record that
     * cannot be read, a journal that does not answer): each with its persistence id and the journal's
     * refusal. They are sent nothing and nothing is written to their journals; answers go on, and
     * {@link #quiesce} fails naming them. Empty on a healthy engine.
     */
    public CompletionStage<List<dev.custody.entity.StuckEntity>> stuckEntities() {
        return custody.stuckEntities();
    }

    /** As {@link Custody#subscribe}. */
    public CompletionStage<AutoCloseable> subscribe(java.util.function.Consumer<OwnershipChange> listener) {
        return custody.subscribe(listener);
    }

    /**
     * Waits for in-flight decisions, then stops the engine's actors and completes once they are gone;
     * the journal keeps everything, and a new {@link #start} of the instance recovers it.
     */
    public CompletionStage<Long> stop() {
        return custody.stop();
    }

    /**
     * Stops the actors at once, as a crash would: decisions some entity has not written yet stay open
     * in the journal and are completed by the next start.
     */
    public CompletionStage<Long> halt() {
        return custody.halt();
    }
}
