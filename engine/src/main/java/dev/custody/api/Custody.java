package dev.custody.api;

import dev.custody.entity.HostPort;
import dev.custody.entity.KernelCoordinator;
import dev.custody.entity.Precondition;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.GroupStatusFlag;
import dev.custody.model.Handle;
import dev.custody.model.IoasMapFlag;
import dev.custody.model.IommuType;
import dev.custody.model.IovaSpan;
import dev.custody.model.Outcome;
import dev.custody.model.OwnerId;
import dev.custody.model.ProcessCapability;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.Type1MapFlag;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * One engine as its callers use it: the source of truth for who may DMA where on one machine. Every
 * operation goes through the kernel's rules, is journaled before it is answered, and comes back as
 * the kernel's {@link Outcome}. Whatever changes who owns what takes the {@link Capability} the
 * kernel would want held (an open file, a domain, a DMA claim's owner); this object itself proves
 * nothing, so a control process can hand it to every component it runs. Raw commands, the whole
 * state and the engine's life belong to the {@link EngineAdmin} that started it
 * (docs/capabilities.md).
 */
public final class Custody {
    private final CustodyRuntime runtime;
    private final ActorRef<KernelCoordinator.Message> coordinator;
    private final String instance;
    private final Duration timeout;
    private final AtomicLong operations;
    /** Who the journal records as the sender of this handle's operations. */
    private final String caller;
    /** The caller's own name for this handle's operation ({@link #retrying}), else each gets a new one. */
    private final Optional<RetryKey> retryKey;

    /** The caller every operation is recorded under unless the handle names another ({@link #as}). */
    public static final String DEFAULT_CALLER = "api";

    /**
     * Coordinator names differ per incarnation: the guardian may not yet have released the name of
     * one that has just terminated when the next one starts.
     */
    private static final AtomicLong GENERATION = new AtomicLong();

    private final CustodyRuntime.Incarnation incarnation;

    private Custody(
            CustodyRuntime runtime,
            ActorRef<KernelCoordinator.Message> coordinator,
            String instance,
            Duration timeout,
            CustodyRuntime.Incarnation incarnation,
            String caller,
            Object issuer,
            AtomicLong operations,
            Optional<RetryKey> retryKey) {
        this.runtime = runtime;
        this.coordinator = coordinator;
        this.instance = instance;
        this.timeout = timeout;
        this.incarnation = incarnation;
        this.caller = caller;
        this.issuer = issuer;
        this.operations = operations;
        this.retryKey = retryKey;
    }

    /**
     * This engine, with every operation recorded in the journal as sent by {@code caller} (a VM, a
     * control-plane component): the same engine and the same capabilities, under another name. An
     * operation id of the caller's own is that caller's: another caller may use the same id.
     */
    public Custody as(String caller) {
        if (caller.isBlank()) {
            throw new IllegalArgumentException("a caller needs a name");
        }
        return new Custody(runtime, coordinator, instance, timeout, incarnation, caller, issuer, operations, retryKey);
    }

    /**
     * This engine, with its operation recorded under {@code key}: sending the same operation again
     * through a view of the same key and caller (after a timeout, say) gets the first answer, once it
     * is on stable storage, and changes nothing again, also after the engine restarted; sending
     * another operation under it is refused with an error. One key names one operation. A refusal for
     * want of a capability is not remembered: a retry checks again.
     */
    public Custody retrying(RetryKey key) {
        return new Custody(
                runtime, coordinator, instance, timeout, incarnation, caller, issuer, operations, Optional.of(key));
    }

    /** Who this handle's operations are recorded as sent by. */
    public String caller() {
        return caller;
    }

    /**
     * Starts (or recovers) engine {@code instance} for the topology. Fails when the instance's
     * journal belongs to another topology, when a boot driver cannot bind, when the boot cannot be
     * written, or when the instance already runs on this runtime; an incarnation that is stopping is
     * waited for, so that one engine's actors never write beside another's. Only
     * {@link EngineAdmin#start} calls it: the starter keeps the admin.
     */
    static CompletionStage<Custody> start(
            CustodyRuntime runtime, String instance, Topology topology, Duration timeout) {
        return start(runtime, instance, topology, timeout, HostPort.NONE);
    }

    /** As {@link #start(CustodyRuntime, String, Topology, Duration)}, carrying decisions out on {@code host}. */
    static CompletionStage<Custody> start(
            CustodyRuntime runtime, String instance, Topology topology, Duration timeout, HostPort host) {
        return runtime.reserve(instance)
                .thenCompose(incarnation -> runtime.spawn(
                                KernelCoordinator.create(instance, runtime.coordinatorSettings(), host),
                                "engine-" + instance + "-" + GENERATION.incrementAndGet(),
                                timeout)
                        .whenComplete((coordinator, notSpawned) -> {
                            if (notSpawned != null) {
                                incarnation.terminated.complete(null);
                            } else {
                                runtime.terminated(coordinator, timeout)
                                        .whenComplete((gone, unwatched) -> incarnation.terminated.complete(null));
                            }
                        })
                        .thenCompose(coordinator -> AskPattern.<KernelCoordinator.Message, Decision>askWithStatus(
                                        coordinator,
                                        replyTo -> new KernelCoordinator.Start(topology, replyTo),
                                        timeout,
                                        runtime.system().scheduler())
                                .handle((started, failure) -> {
                                    if (failure == null && started.outcome().isOk()) {
                                        return new Custody(
                                                runtime,
                                                coordinator,
                                                instance,
                                                timeout,
                                                incarnation,
                                                DEFAULT_CALLER,
                                                new Object(),
                                                new AtomicLong(),
                                                Optional.empty());
                                    }
                                    // a start that fails leaves no coordinator behind to write to the journal
                                    incarnation.stopping();
                                    coordinator.tell(new KernelCoordinator.Stop(
                                            runtime.system().ignoreRef()));
                                    Throwable cause = failure instanceof java.util.concurrent.CompletionException c
                                                    && c.getCause() != null
                                            ? c.getCause()
                                            : failure;
                                    throw new IllegalStateException(
                                            "engine " + instance + " did not start: "
                                                    + (cause != null
                                                            ? cause.getMessage()
                                                            : started.outcome()
                                                                    .explanation()
                                                                    .orElse(started.outcome()
                                                                            .resultName())),
                                            cause);
                                })));
    }

    /** The identity every capability this engine issues carries (shared by every {@link #as} view). */
    private final Object issuer;

    /** {@link EngineAdmin#decide(Command)}: commands name objects by number, so they are the admin's. */
    CompletionStage<Decision> decide(Command<?> command) {
        return send(command, instance + "-" + operations.incrementAndGet(), false, Precondition.NONE);
    }

    /** {@link EngineAdmin#decide(Command, String)}. */
    CompletionStage<Decision> decide(Command<?> command, String operationId) {
        return send(command, operationId, true, Precondition.NONE);
    }

    /** {@link EngineAdmin#observe}. */
    CompletionStage<Decision> observe(HostPort.Observation observation) {
        return AskPattern.askWithStatus(
                coordinator,
                replyTo -> new KernelCoordinator.Observe(observation, replyTo),
                timeout,
                runtime.system().scheduler());
    }

    private CompletionStage<Decision> send(
            Command<?> command, String operationId, boolean callersId, Precondition precondition) {
        return AskPattern.askWithStatus(
                coordinator,
                replyTo ->
                        new KernelCoordinator.Execute(command, caller, operationId, callersId, precondition, replyTo),
                timeout,
                runtime.system().scheduler());
    }

    /** One operation a capability method made, typed by its reply, decided only if the caller holds what it must. */
    private <R extends Reply> CompletionStage<Outcome<R>> execute(Command<R> command, Precondition precondition) {
        CompletionStage<Decision> sent = retryKey.isPresent()
                ? send(command, retryKey.get().operationId(), true, precondition)
                : send(command, instance + "-" + operations.incrementAndGet(), false, precondition);
        return sent.thenApply(decision -> Operations.typed(command, decision.outcome()));
    }

    /** {@link EngineAdmin#execute}. */
    <R extends Reply> CompletionStage<Outcome<R>> execute(Command<R> command) {
        return execute(command, Precondition.NONE);
    }

    /** {@link EngineAdmin#state}. */
    CompletionStage<KernelState> state() {
        return AskPattern.<KernelCoordinator.Message, Optional<KernelState>>ask(
                        coordinator,
                        KernelCoordinator.GetKernel::new,
                        timeout,
                        runtime.system().scheduler())
                .thenApply(Optional::orElseThrow);
    }

    /** {@link EngineAdmin#quiesce}. */
    CompletionStage<Long> quiesce() {
        return AskPattern.askWithStatus(
                coordinator,
                KernelCoordinator.AwaitQuiet::new,
                timeout,
                runtime.system().scheduler());
    }

    /** {@link EngineAdmin#settle}. */
    CompletionStage<dev.custody.entity.Settled> settle() {
        return AskPattern.askWithStatus(
                coordinator,
                KernelCoordinator.AwaitSettled::new,
                timeout,
                runtime.system().scheduler());
    }

    /** {@link EngineAdmin#liveEntities}. */
    CompletionStage<Integer> liveEntities() {
        return AskPattern.ask(
                coordinator,
                KernelCoordinator.CountEntities::new,
                timeout,
                runtime.system().scheduler());
    }

    /** {@link EngineAdmin#stuckEntities}. */
    CompletionStage<java.util.List<dev.custody.entity.StuckEntity>> stuckEntities() {
        return AskPattern.ask(
                coordinator,
                KernelCoordinator.ListStuckEntities::new,
                timeout,
                runtime.system().scheduler());
    }

    /** {@link EngineAdmin#inspect}. */
    CompletionStage<dev.custody.entity.EntityState> inspect(dev.custody.entity.EntityId entity) {
        return unlessStuck(
                entity,
                () -> AskPattern.ask(
                        coordinator,
                        replyTo -> new KernelCoordinator.InspectEntity(entity, replyTo),
                        timeout,
                        runtime.system().scheduler()));
    }

    /**
     * Asks an entity's actor, unless the entity cannot recover from its journal: then an error naming
     * it at once, rather than a wait for the ask's timeout (a stuck actor answers nothing).
     */
    private <T> CompletionStage<T> unlessStuck(
            dev.custody.entity.EntityId entity, java.util.function.Supplier<CompletionStage<T>> ask) {
        String persistenceId = entity.persistenceId(instance);
        return stuckEntities()
                .thenCompose(stuck -> stuck.stream()
                        .filter(one -> one.persistenceId().equals(persistenceId))
                        .findFirst()
                        .<CompletionStage<T>>map(one -> java.util.concurrent.CompletableFuture.failedFuture(
                                new IllegalStateException(one.describe())))
                        .orElseGet(ask));
    }

    /** {@link EngineAdmin#stop}. */
    CompletionStage<Long> stop() {
        return quiesce().thenCompose(quiet -> halt());
    }

    /** {@link EngineAdmin#halt}. */
    CompletionStage<Long> halt() {
        incarnation.stopping();
        CompletionStage<Void> gone = runtime.terminated(coordinator, timeout);
        return AskPattern.<KernelCoordinator.Message, Long>ask(
                        coordinator,
                        KernelCoordinator.Stop::new,
                        timeout,
                        runtime.system().scheduler())
                .thenCombine(gone, (last, terminated) -> last);
    }

    public String instance() {
        return instance;
    }

    // ---- the capability API: what a hypervisor control process calls ----

    /** sysfs bind of a driver to a device (bind_store). */
    public CompletionStage<Outcome<Void>> bind(String device, String driver) {
        return done(new Command.DriverBind(new DeviceId(device), driver));
    }

    /** sysfs unbind; PENDING while the device's VFIO fds are open (vfio_unregister_group_dev waits). */
    public CompletionStage<Outcome<Void>> unbind(String device) {
        return done(new Command.DriverUnbind(new DeviceId(device)));
    }

    public CompletionStage<Outcome<VfioContainerFd>> openContainer(String label) {
        return created(new Command.ContainerOpen(label), h -> new VfioContainerFd(issuer, file(h), label));
    }

    public CompletionStage<Outcome<VfioGroupFd>> openGroup(int group, String label) {
        return created(new Command.GroupOpen(new GroupId(group), label), h -> new VfioGroupFd(issuer, file(h), label));
    }

    /** VFIO_GROUP_SET_CONTAINER: claims the whole group for this group fd (iommu_group_claim_dma_owner). */
    public CompletionStage<Outcome<Void>> setContainer(VfioGroupFd group, VfioContainerFd container) {
        return checked(() -> done(new Command.SetContainer(handle(group), handle(container))), group, container);
    }

    public CompletionStage<Outcome<Void>> unsetContainer(VfioGroupFd group) {
        return checked(() -> done(new Command.UnsetContainer(handle(group))), group);
    }

    public CompletionStage<Outcome<Void>> setIommu(VfioContainerFd container, boolean type1v2) {
        return checked(
                () -> done(new Command.ContainerSetIommu(
                        handle(container), type1v2 ? IommuType.TYPE1V2 : IommuType.TYPE1)),
                container);
    }

    public CompletionStage<Outcome<VfioDeviceFd>> deviceFd(VfioGroupFd group, String device, String label) {
        return checked(
                () -> created(
                        new Command.GetDeviceFd(handle(group), new DeviceId(device), label),
                        h -> new VfioDeviceFd(issuer, file(h), label)),
                group);
    }

    /** VFIO_IOMMU_MAP_DMA on the container (vfio_dma_do_map). */
    public CompletionStage<Outcome<Void>> mapDma(
            VfioContainerFd container, long iova, long vaddr, long size, boolean read, boolean write) {
        EnumSet<Type1MapFlag> flags = EnumSet.noneOf(Type1MapFlag.class);
        if (read) {
            flags.add(Type1MapFlag.READ);
        }
        if (write) {
            flags.add(Type1MapFlag.WRITE);
        }
        return checked(() -> done(new Command.Type1MapDma(handle(container), iova, vaddr, size, flags)), container);
    }

    /** VFIO_IOMMU_UNMAP_DMA: the bytes unmapped. */
    public CompletionStage<Outcome<Long>> unmapDma(VfioContainerFd container, long iova, long size) {
        return checked(() -> amount(new Command.Type1UnmapDma(handle(container), iova, size, false)), container);
    }

    public CompletionStage<Outcome<IommufdFd>> openIommufd(String label) {
        return created(new Command.IommufdOpen(label), h -> new IommufdFd(issuer, file(h), label));
    }

    public CompletionStage<Outcome<IoasRef>> allocateIoas(IommufdFd iommufd, String label) {
        return checked(
                () -> created(new Command.IoasAlloc(handle(iommufd), label), h -> {
                    Handle.IommufdObject object = (Handle.IommufdObject) h;
                    return new IoasRef(issuer, object.iommufd(), object.id(), label);
                }),
                iommufd);
    }

    public CompletionStage<Outcome<CdevFd>> openCdev(String device, String label) {
        return created(new Command.CdevOpen(new DeviceId(device), label), h -> new CdevFd(issuer, file(h), label));
    }

    /** VFIO_DEVICE_BIND_IOMMUFD: claims the device's group for the iommufd; the devid. */
    public CompletionStage<Outcome<Integer>> bind(CdevFd cdev, IommufdFd iommufd) {
        return checked(
                () -> execute(new Command.CdevBind(handle(cdev), handle(iommufd)))
                        .thenApply(o -> map(o, Reply.Bound::devid)),
                cdev,
                iommufd);
    }

    /** VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS (an automatic HWPT) or a HWPT; replaces when attached. */
    public CompletionStage<Outcome<HwptRef>> attach(CdevFd cdev, Capability pageTable, String label) {
        Handle pt = switch (pageTable) {
            case IoasRef ioas -> new Handle.IommufdObject(ioas.iommufd, ioas.id);
            case HwptRef hwpt -> new Handle.IommufdObject(hwpt.iommufd, hwpt.id);
            default -> new Handle.Number(-1);
        };
        return checked(
                () -> execute(new Command.CdevAttach(handle(cdev), pt, Optional.of(label)))
                        .thenApply(o -> map(o, attached -> {
                            Handle.IommufdObject object = (Handle.IommufdObject) attached.hwpt();
                            return new HwptRef(issuer, object.iommufd(), object.id(), attached.label());
                        })),
                cdev,
                pageTable);
    }

    public CompletionStage<Outcome<Void>> detach(CdevFd cdev) {
        return checked(() -> done(new Command.CdevDetach(handle(cdev))), cdev);
    }

    /** IOMMU_IOAS_MAP at a fixed IOVA, or anywhere when {@code iova} is empty; the IOVA used. */
    public CompletionStage<Outcome<Long>> map(
            IoasRef ioas, java.util.OptionalLong iova, long length, boolean read, boolean write) {
        EnumSet<IoasMapFlag> flags = EnumSet.noneOf(IoasMapFlag.class);
        if (read) {
            flags.add(IoasMapFlag.READABLE);
        }
        if (write) {
            flags.add(IoasMapFlag.WRITEABLE);
        }
        return checked(
                () -> amount(new Command.IoasMap(new Handle.IommufdObject(ioas.iommufd, ioas.id), iova, length, flags)),
                ioas);
    }

    public CompletionStage<Outcome<Long>> unmap(IoasRef ioas, long iova, long length) {
        return checked(
                () -> amount(new Command.IoasUnmap(new Handle.IommufdObject(ioas.iommufd, ioas.id), iova, length)),
                ioas);
    }

    /** iommu_paging_domain_alloc for a device: a domain the caller maps itself. */
    public CompletionStage<Outcome<DomainRef>> allocateDomain(String device, String label) {
        return created(
                new Command.DomainAlloc(new DeviceId(device), label),
                h -> new DomainRef(issuer, ((Handle.Domain) h).id(), label));
    }

    /** iommu_map into the caller's domain: the bytes mapped (the kernel's iommu_map rules). */
    public CompletionStage<Outcome<Long>> map(
            DomainRef domain, long iova, long paddr, long size, boolean read, boolean write) {
        return checked(() -> amount(new Command.IommuMap(handle(domain), iova, paddr, size, read, write)), domain);
    }

    /** iommu_unmap: the bytes removed. */
    public CompletionStage<Outcome<Long>> unmap(DomainRef domain, long iova, long size) {
        return checked(() -> amount(new Command.IommuUnmap(handle(domain), iova, size)), domain);
    }

    /**
     * iommu_iova_to_phys answered by the domain's actor from its real (off-heap) page table, which it
     * rebuilt from the journal on recovery and checks against the journaled mappings; 0 when unmapped.
     */
    public CompletionStage<Outcome<Long>> translate(DomainRef domain, long iova) {
        return checked(
                () -> AskPattern.<KernelCoordinator.Message, Long>ask(
                                coordinator,
                                replyTo -> new KernelCoordinator.TranslateInDomain(domain.id, iova, replyTo),
                                timeout,
                                runtime.system().scheduler())
                        .thenApply(Outcome::ok),
                domain);
    }

    /**
     * The real (off-heap) page table of the caller's domain, as its actor holds it after every
     * decision made so far. Empty when the domain has no table (freed).
     */
    public CompletionStage<Outcome<Optional<dev.custody.entity.TableDump>>> pageTable(DomainRef domain) {
        return checked(() -> pageTable(domain.id).thenApply(Outcome::ok), domain);
    }

    /** {@link EngineAdmin#pageTable}: any domain's, by number. */
    CompletionStage<Optional<dev.custody.entity.TableDump>> pageTable(dev.custody.model.DomainId domain) {
        return unlessStuck(
                dev.custody.entity.EntityId.of(domain),
                () -> AskPattern.ask(
                        coordinator,
                        replyTo -> new KernelCoordinator.DumpDomainTable(domain, replyTo),
                        timeout,
                        runtime.system().scheduler()));
    }

    /** {@link EngineAdmin#recoveredDomains}. */
    CompletionStage<java.util.List<DomainRef>> recoveredDomains() {
        return state().thenApply(state -> state.domains().values().stream()
                .filter(d -> d.use() instanceof dev.custody.model.state.DomainUse.KernelCaller)
                .map(d -> new DomainRef(issuer, d.id(), d.label()))
                .toList());
    }

    /** {@link EngineAdmin#recoveredOwners}. */
    CompletionStage<java.util.List<DmaOwner>> recoveredOwners() {
        return state().thenApply(state -> state.groups().values().stream()
                .flatMap(g -> g.owner().stream())
                .filter(o -> o.key().startsWith(OwnerId.kernelCaller("").key()))
                .distinct()
                .map(o -> new DmaOwner(issuer, o))
                .toList());
    }

    /**
     * {@link EngineAdmin#recoveredDefaultDomainUses}: per device, the units of its group's owner_cnt it
     * holds beyond the one its bound driver's dma_configure took (a driver with driver_managed_dma takes
     * none). The kernel keeps only a count; the model keeps who holds each unit, so a use given by
     * iommu_device_use_default_domain can be told from a driver's and handed back.
     */
    CompletionStage<java.util.List<DefaultDomainUse>> recoveredDefaultDomainUses() {
        return state().thenApply(state -> {
            java.util.List<DefaultDomainUse> uses = new java.util.ArrayList<>();
            for (GroupState group : state.groups().values()) {
                for (DeviceId device : group.devices()) {
                    int held = group.claimsOf(dev.custody.model.state.Claimant.device(device));
                    int byDriver = state.device(device)
                                    .driver()
                                    .map(name -> state.topology().drivers().get(name))
                                    .filter(driver -> driver != null && !driver.managedDma())
                                    .isPresent()
                            ? 1
                            : 0;
                    for (int n = byDriver; n < held; n++) {
                        uses.add(new DefaultDomainUse(issuer, device.name()));
                    }
                }
            }
            return java.util.List.copyOf(uses);
        });
    }

    // ---- driver core ----

    public CompletionStage<Outcome<Optional<String>>> probe(String device) {
        return execute(new Command.DriverProbe(new DeviceId(device))).thenApply(o -> map(o, Reply.Probed::driver));
    }

    public CompletionStage<Outcome<Void>> driverOverride(String device, Optional<String> driver) {
        return done(new Command.DriverOverride(new DeviceId(device), driver));
    }

    /** A write of {@code id} ("vendor device [...]", hex) to the driver's new_id file. */
    public CompletionStage<Outcome<Void>> newId(String driver, String id) {
        return done(new Command.DriverNewId(driver, id));
    }

    /** A write of {@code id} ("vendor device [...]", hex) to the driver's remove_id file. */
    public CompletionStage<Outcome<Void>> removeId(String driver, String id) {
        return done(new Command.DriverRemoveId(driver, id));
    }

    public CompletionStage<Outcome<Void>> addDevice(String device) {
        return done(new Command.DeviceAdd(new DeviceId(device)));
    }

    public CompletionStage<Outcome<Void>> removeDevice(String device) {
        return done(new Command.DeviceRemove(new DeviceId(device)));
    }

    // ---- the IOMMU core as in-kernel callers use it ----

    /**
     * iommu_device_use_default_domain: one use of the device group's default domain (a kernel DMA owner
     * in its owner_cnt), which only {@link #unuseDefaultDomain} of the use returned gives back.
     */
    public CompletionStage<Outcome<DefaultDomainUse>> useDefaultDomain(String device) {
        return execute(new Command.UseDefaultDomain(new DeviceId(device)), Precondition.NONE)
                .thenApply(o -> map(o, r -> new DefaultDomainUse(issuer, device)));
    }

    /**
     * iommu_device_unuse_default_domain of one use, once: a use given back already (or another engine's)
     * is EBADF, as closing a closed fd is.
     */
    public CompletionStage<Outcome<Void>> unuseDefaultDomain(DefaultDomainUse use) {
        return checked(
                () -> {
                    if (!use.giveBack()) {
                        return java.util.concurrent.CompletableFuture.completedFuture(
                                Outcome.fail(Errno.EBADF, use + " was given back already"));
                    }
                    return done(new Command.UnuseDefaultDomain(new DeviceId(use.device)))
                            .whenComplete((outcome, failed) -> {
                                if (failed != null || !outcome.isOk()) {
                                    use.keep();
                                }
                            });
                },
                use);
    }

    /**
     * iommu_group_claim_dma_owner under a new owner cookie: the owner, which releasing the claim
     * (and replacing the group's domain) needs.
     */
    public CompletionStage<Outcome<DmaOwner>> claimGroup(int group, String label) {
        String cookie = DmaOwner.newCookie(label, retryKey);
        return claimed(new Command.GroupClaim(new GroupId(group), Optional.of(cookie)), cookie);
    }

    /** iommu_group_release_dma_owner, by the claim's owner only: another owner's token is EPERM. */
    public CompletionStage<Outcome<Void>> releaseGroup(DmaOwner owner, int group) {
        GroupId id = new GroupId(group);
        return checked(
                () -> done(new Command.GroupRelease(id), now -> owns(owner, now.group(id), "group " + id)), owner);
    }

    /** iommu_device_claim_dma_owner under a new owner cookie: the owner. */
    public CompletionStage<Outcome<DmaOwner>> claimDevice(String device, String label) {
        String cookie = DmaOwner.newCookie(label, retryKey);
        return claimed(new Command.DeviceClaim(new DeviceId(device), Optional.of(cookie)), cookie);
    }

    /** iommu_device_claim_dma_owner by an owner that holds a claim already: one more device of the group. */
    public CompletionStage<Outcome<Void>> claimDevice(DmaOwner owner, String device) {
        return checked(
                () -> done(new Command.DeviceClaim(new DeviceId(device), Optional.of(owner.owner.label()))), owner);
    }

    /** iommu_device_release_dma_owner, by the claim's owner only: another owner's token is EPERM. */
    public CompletionStage<Outcome<Void>> releaseDevice(DmaOwner owner, String device) {
        DeviceId id = new DeviceId(device);
        return checked(
                () -> done(new Command.DeviceRelease(id), now -> owns(owner, now.groupOf(id), "the group of " + id)),
                owner);
    }

    public CompletionStage<Outcome<Void>> attachDevice(DomainRef domain, String device) {
        return checked(() -> done(new Command.AttachDevice(handle(domain), new DeviceId(device))), domain);
    }

    public CompletionStage<Outcome<Void>> detachDevice(DomainRef domain, String device) {
        return checked(() -> done(new Command.DetachDevice(handle(domain), new DeviceId(device))), domain);
    }

    public CompletionStage<Outcome<Void>> attachGroup(DomainRef domain, int group) {
        return checked(() -> done(new Command.AttachGroup(handle(domain), new GroupId(group))), domain);
    }

    /**
     * iommu_detach_group. The kernel ignores the domain argument and trusts its caller; here the group
     * must be attached to the caller's domain (EPERM otherwise), or any domain's holder could take
     * another user's translation away.
     */
    public CompletionStage<Outcome<Void>> detachGroup(DomainRef domain, int group) {
        GroupId id = new GroupId(group);
        return checked(
                () -> done(
                        new Command.DetachGroup(handle(domain), id),
                        now -> now.group(id)
                                .filter(g -> !g.domain().equals(domain.id))
                                .map(g -> "group " + id + " is not attached to " + domain)),
                domain);
    }

    /**
     * iommu_group_replace_domain, which the kernel leaves to the group's owner (iommufd): the owner's
     * token and the new domain's. A group {@code owner} has not claimed is EPERM.
     */
    public CompletionStage<Outcome<Void>> replaceDomain(DmaOwner owner, int group, DomainRef domain) {
        GroupId id = new GroupId(group);
        return checked(
                () -> done(
                        new Command.ReplaceDomain(id, Optional.of(handle(domain))),
                        now -> owns(owner, now.group(id), "group " + id)),
                owner,
                domain);
    }

    public CompletionStage<Outcome<Void>> attachShared(DomainRef domain, String device) {
        return checked(() -> done(new Command.AttachShared(handle(domain), new DeviceId(device))), domain);
    }

    public CompletionStage<Outcome<Void>> detachShared(DomainRef domain, String device) {
        return checked(() -> done(new Command.DetachShared(handle(domain), new DeviceId(device))), domain);
    }

    public CompletionStage<Outcome<Void>> freeDomain(DomainRef domain) {
        return checked(() -> done(new Command.DomainFree(handle(domain))), domain);
    }

    // ---- VFIO and iommufd queries and objects ----

    /** VFIO_GROUP_GET_STATUS flags, in the order VIABLE, CONTAINER_SET. */
    public CompletionStage<Outcome<java.util.List<GroupStatusFlag>>> groupStatus(VfioGroupFd group) {
        return checked(
                () -> execute(new Command.GroupStatus(handle(group))).thenApply(o -> map(o, Reply.GroupStatus::flags)),
                group);
    }

    /** IOMMU_HWPT_ALLOC: an explicit paging HWPT on the IOAS for the bound cdev's device. */
    public CompletionStage<Outcome<HwptRef>> allocateHwpt(
            IommufdFd iommufd, CdevFd device, IoasRef ioas, String label) {
        return checked(
                () -> created(new Command.HwptAlloc(handle(iommufd), handle(device), handle(ioas), label), h -> {
                    Handle.IommufdObject object = (Handle.IommufdObject) h;
                    return new HwptRef(issuer, object.iommufd(), object.id(), label);
                }),
                iommufd,
                device,
                ioas);
    }

    /** IOMMU_DESTROY of an IOAS or HWPT. */
    public CompletionStage<Outcome<Void>> destroy(IommufdFd iommufd, Capability object) {
        return checked(() -> done(new Command.Destroy(handle(iommufd), handle(object))), iommufd, object);
    }

    public CompletionStage<Outcome<java.util.List<IovaSpan>>> iovaRanges(IoasRef ioas) {
        return checked(
                () -> execute(new Command.IoasIovaRanges(handle(ioas), Integer.MAX_VALUE))
                        .thenApply(o -> map(o, Reply.IovaRanges::ranges)),
                ioas);
    }

    public CompletionStage<Outcome<Void>> allowIovas(IoasRef ioas, java.util.List<IovaSpan> ranges) {
        return checked(() -> done(new Command.IoasAllowIovas(handle(ioas), ranges)), ioas);
    }

    /** sysfs /sys/kernel/iommu_groups/N/type (needs CAP_SYS_ADMIN and CAP_SYS_RAWIO in {@code capabilities}). */
    public CompletionStage<Outcome<Void>> setGroupType(
            int group, String type, java.util.Set<ProcessCapability> capabilities) {
        return done(new Command.SysfsGroupType(new GroupId(group), type, capabilities));
    }

    /** close(2): releasing what the file owned, in the kernel's order (docs/kernel-rules.md, close rows). */
    public CompletionStage<Outcome<Void>> close(Capability file) {
        return checked(() -> done(new Command.Close(handle(file))), file);
    }

    /** The sysfs-like view of every group: devices, drivers, owner, owner_cnt, domain. */
    public CompletionStage<SystemView> inspect() {
        return state().thenApply(SystemView::of);
    }

    /**
     * Calls {@code listener} with every decision made durable from now on, in decision order, on one
     * thread at a time. Close the returned handle to stop.
     */
    public CompletionStage<AutoCloseable> subscribe(java.util.function.Consumer<OwnershipChange> listener) {
        org.apache.pekko.actor.typed.Behavior<Object> relay = org.apache.pekko.actor.typed.javadsl.Behaviors.receive(
                        Object.class)
                .onMessage(dev.custody.entity.KernelJournal.DecisionTaken.class, taken -> {
                    listener.accept(new OwnershipChange(taken.seq(), taken.operationId(), taken.events()));
                    return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
                })
                .onMessageEquals(STOP_RELAY, org.apache.pekko.actor.typed.javadsl.Behaviors::stopped)
                .build();
        return runtime.spawn(relay, "listener-" + LISTENERS.incrementAndGet(), timeout)
                .thenApply(ref -> {
                    org.apache.pekko.actor.typed.ActorRef<dev.custody.entity.KernelJournal.DecisionTaken> subscriber =
                            ref.narrow();
                    coordinator.tell(new KernelCoordinator.Subscribe(subscriber));
                    return () -> {
                        coordinator.tell(new KernelCoordinator.Unsubscribe(subscriber));
                        ref.tell(STOP_RELAY);
                    };
                });
    }

    private static final Object STOP_RELAY = "stop-relay";

    private static final AtomicLong LISTENERS = new AtomicLong();

    private CompletionStage<Outcome<Void>> done(Command<Reply.None> command) {
        return done(command, Precondition.NONE);
    }

    private CompletionStage<Outcome<Void>> done(Command<Reply.None> command, Precondition precondition) {
        return execute(command, precondition).thenApply(o -> map(o, r -> null));
    }

    private CompletionStage<Outcome<DmaOwner>> claimed(Command<Reply.None> claim, String cookie) {
        return execute(claim, Precondition.NONE)
                .thenApply(o -> map(o, r -> new DmaOwner(issuer, OwnerId.kernelCaller(cookie))));
    }

    /** Why {@code owner} may not act on the group as its owner: empty when it holds the group's claim. */
    private static Optional<String> owns(DmaOwner owner, Optional<GroupState> group, String what) {
        boolean holds = group.flatMap(GroupState::owner)
                .filter(o -> o.key().equals(owner.owner.key()))
                .isPresent();
        return holds ? Optional.empty() : Optional.of(what + " is not claimed by " + owner);
    }

    private CompletionStage<Outcome<Long>> amount(Command<Reply.Amount> command) {
        return execute(command).thenApply(o -> map(o, Reply.Amount::value));
    }

    private <T> CompletionStage<Outcome<T>> created(
            Command<Reply.Created> command, java.util.function.Function<Handle, T> wrap) {
        return execute(command).thenApply(o -> map(o, r -> wrap.apply(r.handle())));
    }

    private static <R extends Reply, T> Outcome<T> map(Outcome<R> outcome, java.util.function.Function<R, T> value) {
        return outcome instanceof Outcome.Ok<R> ok ? Outcome.ok(value.apply(ok.value())) : outcome.castFailure();
    }

    /** Refuses capabilities another engine issued: they prove nothing here. */
    private <T> CompletionStage<Outcome<T>> checked(
            java.util.function.Supplier<CompletionStage<Outcome<T>>> operation, Capability... capabilities) {
        for (Capability capability : capabilities) {
            if (!capability.issuedBy(issuer)) {
                return java.util.concurrent.CompletableFuture.completedFuture(
                        Outcome.fail(Errno.EBADF, capability + " was not issued by engine " + instance));
            }
        }
        return operation.get();
    }

    private static FileId file(Handle handle) {
        return ((Handle.File) handle).id();
    }

    private static Handle handle(Capability capability) {
        return switch (capability) {
            case VfioGroupFd f -> new Handle.File(f.file);
            case VfioContainerFd f -> new Handle.File(f.file);
            case VfioDeviceFd f -> new Handle.File(f.file);
            case IommufdFd f -> new Handle.File(f.file);
            case CdevFd f -> new Handle.File(f.file);
            case IoasRef o -> new Handle.IommufdObject(o.iommufd, o.id);
            case HwptRef o -> new Handle.IommufdObject(o.iommufd, o.id);
            case DomainRef d -> new Handle.Domain(d.id);
            case DmaOwner o -> new Handle.Unbound(o.toString()); // a claim is not a file: it names nothing
            case DefaultDomainUse u -> new Handle.Unbound(u.toString()); // a use is not a file either
        };
    }
}
