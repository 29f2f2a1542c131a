package dev.custody.invariants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DomainId;
import dev.custody.model.DriverSpec;
import dev.custody.model.Errno;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.ObjectId;
import dev.custody.model.Outcome;
import dev.custody.model.OwnerId;
import dev.custody.model.Topology;
import dev.custody.model.event.DeviceEvent.*;
import dev.custody.model.event.DomainEvent.*;
import dev.custody.model.event.FileEvent.*;
import dev.custody.model.event.GroupEvent.*;
import dev.custody.model.event.KernelEvent;
import dev.custody.model.mapping.IommuDomainMappings;
import dev.custody.model.state.Claimant;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import dev.custody.model.state.Sorted;
import dev.custody.ops.Operations;
import dev.custody.rules.Kernel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import org.junit.jupiter.api.Test;

/**
 * Each invariant of docs/invariants.md is broken on purpose, by applying events the rules would never
 * decide, and must be reported by name. A state the rules reach must report nothing.
 */
class InvariantsTest {
    private static final DeviceId A = new DeviceId("0000:00:03.0");
    private static final DeviceId B = new DeviceId("0000:00:03.1");
    private static final DeviceId C = new DeviceId("0000:00:05.0");
    private static final GroupId G = new GroupId(1);
    private static final GroupId H = new GroupId(2);

    private static KernelState booted() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        devices.put(
                A, new DeviceSpec(A, Optional.of("dmar0"), Optional.of(G), List.of(), false, true, Optional.empty()));
        devices.put(
                B, new DeviceSpec(B, Optional.of("dmar0"), Optional.of(G), List.of(), false, true, Optional.empty()));
        devices.put(
                C, new DeviceSpec(C, Optional.of("dmar0"), Optional.of(H), List.of(), false, true, Optional.empty()));
        Topology topology = new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
        return Kernel.boot(topology).state();
    }

    private static KernelState run(KernelState state, Command<?>... commands) {
        for (Command<?> command : commands) {
            var decision = Operations.decide(state, command);
            assertTrue(decision.outcome().isOk(), command + " -> " + decision.outcome());
            state = decision.state();
        }
        return state;
    }

    private static KernelState broken(KernelState state, KernelEvent... events) {
        return state.applyAll(List.of(events));
    }

    private static List<String> reported(KernelState state) {
        return Invariants.check(state).stream().map(Violation::invariant).toList();
    }

    private static void assertReports(String invariant, KernelState state) {
        List<String> found = reported(state);
        assertTrue(found.contains(invariant), "expected " + invariant + " among " + Invariants.check(state));
    }

    private static DomainId paging(KernelState state) {
        return state.domains().values().stream()
                .filter(d -> d.kind() == DomainKind.PAGING)
                .map(DomainState::id)
                .findFirst()
                .orElseThrow();
    }

    private static KernelState withPagingDomain(KernelState state, DeviceId device) {
        return run(state, new Command.DomainAlloc(device, "D"));
    }

    @Test
    void statesTheRulesReachReportNothing() {
        KernelState state = run(
                booted(),
                new Command.DriverBind(A, "e1000e"),
                new Command.DriverBind(C, "vfio-pci"),
                new Command.ContainerOpen("c1"),
                new Command.GroupOpen(H, "g2"));
        assertEquals(List.of(), Invariants.check(state));
    }

    @Test
    void g1AndG5_ownerWithoutClaims() {
        KernelState state = run(booted(), new Command.GroupClaim(G, Optional.of("o")));
        state = broken(state, new ClaimDropped(G, Claimant.GROUP));
        assertReports("G1", state);
        assertReports("G5", state);
    }

    @Test
    void g2_kernelUseWithoutABoundDriver() {
        KernelState state = broken(booted(), new ClaimAdded(G, Claimant.device(A)));
        List<Violation> found = Invariants.check(state);
        assertTrue(
                found.stream().anyMatch(v -> v.invariant().equals("G2") && v.kind() == Violation.Kind.CALLER),
                found.toString());
    }

    @Test
    void g3AndD3_kernelDriverBoundUnderAnOwner() {
        KernelState state = run(booted(), new Command.GroupClaim(G, Optional.of("o")));
        state = broken(state, new DriverBound(A, "e1000e"));
        assertReports("G3", state);
        assertReports("D3", state);
    }

    @Test
    void g4_ownedOnTheDefaultDomain() {
        KernelState state = broken(booted(), new OwnershipTaken(G, OwnerId.kernelCaller("o"), Claimant.GROUP));
        assertReports("G4", state);
    }

    @Test
    void g6_unclaimedButNotOnDefault() {
        KernelState state = withPagingDomain(booted(), A);
        state = broken(state, new GroupDomainSet(G, paging(state)));
        assertReports("G6", state);
    }

    @Test
    void g7_privateDomainOnAMultiDeviceGroup() {
        KernelState state = withPagingDomain(run(booted(), new Command.DriverBind(A, "e1000e")), A);
        state = broken(state, new GroupDomainSet(G, paging(state)));
        assertReports("G7", state);
    }

    @Test
    void g8_groupOnAFreedDomain() {
        KernelState state = withPagingDomain(booted(), C);
        DomainId domain = paging(state);
        state = broken(state, new GroupDomainSet(H, domain), new DomainFreed(domain));
        assertReports("G8", state);
    }

    @Test
    void g9_ownershipChangeWithPasids() {
        KernelState before = booted();
        GroupState group = before.groups().get(H).withPasids(Sorted.set(List.of(1)));
        before = new KernelState(
                before.topology(),
                before.devices(),
                Sorted.put(before.groups(), H, group),
                before.domains(),
                before.files(),
                before.nextDomain(),
                before.nextFile());
        KernelState after = broken(before, new ClaimAdded(H, Claimant.device(C)));
        assertTrue(Invariants.checkStep(before, after, Outcome.ok()).stream()
                .anyMatch(v -> v.invariant().equals("G9")));
    }

    @Test
    void g10_coreDomainsOutliveTheirGroup() {
        KernelState state = broken(booted(), new DeviceLeftGroup(H, C), new GroupDestroyed(H));
        assertReports("G10", state);
    }

    @Test
    void g11_claimWithoutBlockingDomain() {
        KernelState state = withPagingDomain(booted(), C);
        state = broken(
                state,
                new GroupDomainSet(H, paging(state)),
                new OwnershipTaken(H, OwnerId.kernelCaller("o"), Claimant.GROUP));
        assertReports("G11", state);
    }

    @Test
    void g12_failedOperationMovedTheDomain() {
        KernelState before = withPagingDomain(booted(), C);
        KernelState after = broken(before, new GroupDomainSet(H, paging(before)));
        assertTrue(Invariants.checkStep(before, after, Outcome.fail(Errno.EBUSY, "test")).stream()
                .anyMatch(v -> v.invariant().equals("G12")));
    }

    @Test
    void d3_kernelDriverCountedTwiceIsTheCallersBug() {
        KernelState state =
                broken(run(booted(), new Command.DriverBind(C, "e1000e")), new ClaimAdded(H, Claimant.device(C)));
        assertTrue(Invariants.check(state).stream()
                .anyMatch(v -> v.invariant().equals("D3") && v.kind() == Violation.Kind.CALLER));
    }

    @Test
    void d3_kernelDriverUnderAnOwnerIsTheEnginesBug() {
        KernelState state = broken(
                run(booted(), new Command.DriverBind(C, "e1000e")),
                new OwnershipTaken(H, OwnerId.kernelCaller("o"), Claimant.GROUP));
        assertTrue(Invariants.check(state).stream()
                .anyMatch(v -> v.invariant().equals("D3") && v.kind() == Violation.Kind.KERNEL));
    }

    @Test
    void d3_kernelDriverNotCountedIsReported() {
        KernelState state =
                broken(run(booted(), new Command.DriverBind(C, "e1000e")), new ClaimDropped(H, Claimant.device(C)));
        assertReports("D3", state);
    }

    @Test
    void v1_twoOpenFilesForOneGroup() {
        KernelState state = run(booted(), new Command.DriverBind(C, "vfio-pci"), new Command.GroupOpen(H, "g2"));
        state = broken(
                state,
                new FileOpened(new OpenFile.VfioGroupFile(
                        new FileId(99), "again", true, Optional.of(H), Optional.empty(), Optional.empty())));
        assertReports("V1", state);
    }

    @Test
    void v2_groupFileBesideABoundCdev() {
        KernelState state = run(
                booted(),
                new Command.DriverBind(C, "vfio-pci"),
                new Command.GroupOpen(H, "g2"),
                new Command.CdevOpen(C, "cdev"));
        FileId cdev =
                state.filesOf(OpenFile.CdevFile.class).findFirst().orElseThrow().id();
        state = broken(
                state, new CdevBindingSet(cdev, Optional.of(new OpenFile.IommufdRef(new FileId(98), new ObjectId(1)))));
        assertReports("V2", state);
    }

    @Test
    void v3AndV4_containerBookkeeping() {
        KernelState state = run(
                booted(),
                new Command.DriverBind(C, "vfio-pci"),
                new Command.GroupOpen(H, "g2"),
                new Command.ContainerOpen("c1"));
        FileId group = state.openedGroupFile(H).orElseThrow().id();
        FileId container = state.filesOf(OpenFile.VfioContainer.class)
                .findFirst()
                .orElseThrow()
                .id();
        assertReports("V4", broken(state, new GroupFileContainerSet(group, Optional.of(container))));
        assertReports("V3", broken(state, new GroupFileContainerSet(group, Optional.of(new FileId(97)))));
    }

    @Test
    void v6_deviceFdWithoutIommu() {
        KernelState state = run(booted(), new Command.DriverBind(C, "vfio-pci"), new Command.GroupOpen(H, "g2"));
        FileId group = state.openedGroupFile(H).orElseThrow().id();
        state = broken(
                state,
                new FileOpened(new OpenFile.VfioDeviceFile(new FileId(96), "dev", true, C, group, Optional.empty())));
        assertReports("V6", state);
    }

    @Test
    void v7AndV8_iommufdBookkeeping() {
        KernelState state = run(
                booted(),
                new Command.DriverBind(A, "vfio-pci"),
                new Command.DriverBind(B, "vfio-pci"),
                new Command.IommufdOpen("X"));
        FileId ctx = state.filesOf(OpenFile.IommufdFile.class)
                .findFirst()
                .orElseThrow()
                .id();
        KernelState unclaimed = broken(
                state,
                new IommufdObjectAdded(ctx, new IommufdObject.Device(new ObjectId(1), "a", A, Optional.empty())));
        assertReports("V7", unclaimed);

        KernelState claimed = run(state, new Command.DeviceClaim(A, Optional.of("unused")));
        DomainId d1 = new DomainId(90);
        DomainId d2 = new DomainId(91);
        KernelState split = broken(
                booted().apply(new DomainAllocated(new DomainState(
                        d1,
                        "H1",
                        DomainKind.PAGING,
                        "dmar0",
                        new DomainUse.KernelCaller(IommuDomainMappings.empty(IommuSpec.DEFAULT_PAGE_SIZES, 48))))),
                new DomainAllocated(new DomainState(
                        d2,
                        "H2",
                        DomainKind.PAGING,
                        "dmar0",
                        new DomainUse.KernelCaller(IommuDomainMappings.empty(IommuSpec.DEFAULT_PAGE_SIZES, 48)))),
                new FileOpened(new OpenFile.IommufdFile(ctx, "X", true, Sorted.emptyMap(), 1, Optional.empty())),
                new IommufdObjectAdded(ctx, new IommufdObject.Hwpt(new ObjectId(1), "H1", new ObjectId(9), d1, false)),
                new IommufdObjectAdded(ctx, new IommufdObject.Hwpt(new ObjectId(2), "H2", new ObjectId(9), d2, false)),
                new IommufdObjectAdded(
                        ctx, new IommufdObject.Device(new ObjectId(3), "a", A, Optional.of(new ObjectId(1)))),
                new IommufdObjectAdded(
                        ctx, new IommufdObject.Device(new ObjectId(4), "b", B, Optional.of(new ObjectId(2)))),
                new OwnershipTaken(G, OwnerId.iommufd(ctx, "X"), Claimant.device(A)),
                new ClaimAdded(G, Claimant.device(B)),
                new GroupDomainSet(G, d1));
        assertTrue(claimed.groups().get(G).isOwned());
        assertReports("V8", split);
    }
}
