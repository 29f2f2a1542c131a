package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Outcome;
import dev.custody.model.Topology;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * Every way a caller of the public API could change who owns what without holding what the kernel
 * would want held: each is refused, EBADF for a capability this engine did not issue, EPERM for an
 * owner token that does not hold the claim, and the VM's group stays as it was.
 */
class AuthorityTest extends InMemoryRuntimeTest {
    private static final String NIC = "0000:00:03.0";
    private static final String SPARE = "0000:00:04.0";

    /** Group 1: the VM's NIC; group 2: a device an in-kernel caller may claim. Both start unbound. */
    private static Topology machine() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        int group = 1;
        for (String name : List.of(NIC, SPARE)) {
            DeviceId id = new DeviceId(name);
            devices.put(
                    id,
                    new DeviceSpec(
                            id,
                            Optional.of("dmar0"),
                            Optional.of(new GroupId(group++)),
                            List.of(),
                            false,
                            true,
                            Optional.empty()));
        }
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }

    private static <T> T ok(CompletionStage<Outcome<T>> stage) {
        Outcome<T> outcome = stage.toCompletableFuture().join();
        assertTrue(outcome.isOk(), outcome.toString());
        return ((Outcome.Ok<T>) outcome).value();
    }

    private static <T> Outcome<T> join(CompletionStage<Outcome<T>> stage) {
        return stage.toCompletableFuture().join();
    }

    private static void refused(Errno errno, CompletionStage<? extends Outcome<?>> stage, String why) {
        Outcome<?> outcome = stage.toCompletableFuture().join();
        assertEquals(errno.name(), outcome.resultName(), why + ": " + outcome);
    }

    /** A running VM: group 1 set to a type1 container with memory mapped, as QEMU leaves it. */
    private record Vm(VfioContainerFd container, VfioGroupFd group) {
        static Vm start(Custody engine) {
            ok(engine.bind(NIC, "vfio-pci"));
            VfioContainerFd container = ok(engine.openContainer("vm1"));
            VfioGroupFd group = ok(engine.openGroup(1, "vm1-group1"));
            ok(engine.setContainer(group, container));
            ok(engine.setIommu(container, true));
            ok(engine.mapDma(container, 0, 0x7f0000000000L, 1L << 21, true, true));
            return new Vm(container, group);
        }
    }

    private static void stillTheVms(Custody engine) {
        SystemView.Group group =
                engine.inspect().toCompletableFuture().join().group(1).orElseThrow();
        assertEquals(Optional.of("vm1-group1"), group.owner(), group.toString());
        assertEquals("vm1", group.domain(), "the group still translates through the VM's container");
    }

    @Test
    void anInKernelCallerReleasesOnlyItsOwnClaim() {
        EngineAdmin admin = started("authority-release", machine());
        Custody engine = admin.custody();
        Vm.start(engine);
        DmaOwner stranger = ok(engine.claimGroup(2, "stranger"));

        refused(Errno.EPERM, engine.releaseGroup(stranger, 1), "another owner's group");
        refused(Errno.EPERM, engine.releaseDevice(stranger, NIC), "a device of another owner's group");
        refused(Errno.EPERM, engine.claimDevice(stranger, NIC), "the kernel's owner check: another cookie");
        DomainRef strangers = ok(engine.allocateDomain(SPARE, "strangers"));
        refused(Errno.EPERM, engine.replaceDomain(stranger, 1, strangers), "replacing another owner's domain");
        refused(Errno.EPERM, engine.detachGroup(strangers, 1), "detaching a domain the group does not use");
        stillTheVms(engine);

        ok(engine.releaseGroup(stranger, 2));
        DmaOwner next = ok(engine.claimGroup(2, "stranger"));
        assertNotEquals(stranger.owner.key(), next.owner.key(), "the same label claims under a new cookie each time");
        refused(Errno.EPERM, engine.releaseGroup(stranger, 2), "a released claim's token");
        ok(engine.replaceDomain(next, 2, strangers));
        ok(engine.releaseGroup(next, 2));
        admin.stop().toCompletableFuture().join();
    }

    @Test
    void aDefaultDomainUseIsGivenBackOnceAndOnlyWithItsToken() {
        EngineAdmin admin = started("authority-default-use", machine());
        EngineAdmin other = started("authority-default-use-other", machine());
        Custody engine = admin.custody();
        DefaultDomainUse driver = ok(engine.useDefaultDomain(SPARE));
        DefaultDomainUse elsewhere = ok(other.custody().useDefaultDomain(SPARE));
        assertEquals(1, ownerCnt(engine, 2), "the driver's use holds the group for kernel DMA");
        refused(Errno.EPERM, engine.claimGroup(2, "user"), "a claim under a kernel driver's use");

        refused(Errno.EBADF, engine.unuseDefaultDomain(elsewhere), "another engine's use");
        assertEquals(1, ownerCnt(engine, 2), "the driver's use is still counted");
        ok(engine.unuseDefaultDomain(driver));
        assertEquals(0, ownerCnt(engine, 2));
        refused(Errno.EBADF, engine.unuseDefaultDomain(driver), "a use given back already");
        DefaultDomainUse second = ok(engine.useDefaultDomain(SPARE));
        refused(Errno.EBADF, engine.unuseDefaultDomain(driver), "an old use does not give back a new one");
        assertEquals(1, ownerCnt(engine, 2), "the second use is still counted");
        ok(engine.unuseDefaultDomain(second));
        other.stop().toCompletableFuture().join();
        admin.stop().toCompletableFuture().join();
    }

    private static int ownerCnt(Custody engine, int group) {
        return engine.inspect()
                .toCompletableFuture()
                .join()
                .group(group)
                .orElseThrow()
                .ownerCnt();
    }

    @Test
    void aDeviceClaimIsReleasedByItsOwnerOnly() {
        EngineAdmin admin = started("authority-device", machine());
        Custody engine = admin.custody();
        DmaOwner owner = ok(engine.claimDevice(SPARE, "iommufd-like"));
        DmaOwner other = ok(engine.claimGroup(1, "other"));
        refused(Errno.EPERM, engine.releaseDevice(other, SPARE), "another owner's device claim");
        assertEquals(
                1,
                engine.inspect()
                        .toCompletableFuture()
                        .join()
                        .group(2)
                        .orElseThrow()
                        .ownerCnt(),
                "the claim is still there");
        ok(engine.releaseDevice(owner, SPARE));
        ok(engine.releaseGroup(other, 1));
        admin.stop().toCompletableFuture().join();
    }

    @Test
    void anotherEnginesCapabilitiesProveNothingHereWhateverNumbersTheyHold() {
        EngineAdmin mine = started("authority-mine", machine());
        EngineAdmin forger = started("authority-forger", machine());
        Custody engine = mine.custody();
        Vm vm = Vm.start(engine);
        // the forger's engine runs the same steps, so its files and domains have the same numbers
        Vm twin = Vm.start(forger.custody());
        DmaOwner forgedOwner = ok(forger.custody().claimGroup(2, "forger"));
        DomainRef forgedDomain = ok(forger.custody().allocateDomain(SPARE, "forged"));

        refused(Errno.EBADF, engine.close(twin.group()), "a group fd of another engine, same number");
        refused(Errno.EBADF, engine.unsetContainer(twin.group()), "a group fd of another engine");
        refused(Errno.EBADF, engine.close(twin.container()), "a container of another engine, same number");
        refused(Errno.EBADF, engine.releaseGroup(forgedOwner, 1), "an owner token of another engine");
        refused(Errno.EBADF, engine.replaceDomain(forgedOwner, 1, forgedDomain), "both of another engine");
        refused(Errno.EBADF, engine.detachGroup(forgedDomain, 1), "a domain of another engine");
        refused(Errno.EBADF, engine.pageTable(forgedDomain), "another engine's domain's page table");
        refused(Errno.EBADF, engine.close(forgedOwner), "a claim is no file");
        stillTheVms(engine);

        ok(engine.close(vm.group()));
        mine.stop().toCompletableFuture().join();
        forger.stop().toCompletableFuture().join();
    }

    @Test
    void recoveredCapabilitiesGoToTheAdminAndOldOnesDieWithTheIncarnation() {
        EngineAdmin admin = started("authority-recovery", machine());
        DmaOwner before = ok(admin.custody().claimGroup(2, "driver"));
        DomainRef domain = ok(admin.custody().allocateDomain(NIC, "mine"));
        admin.stop().toCompletableFuture().join();

        EngineAdmin again = started("authority-recovery", machine());
        Custody engine = again.custody();
        refused(Errno.EBADF, engine.releaseGroup(before, 2), "a token of the engine before the restart");
        refused(Errno.EBADF, engine.freeDomain(domain), "a domain of the engine before the restart");
        List<DmaOwner> owners = again.recoveredOwners().toCompletableFuture().join();
        assertEquals(List.of(before.owner), owners.stream().map(o -> o.owner).toList());
        DomainRef recovered =
                again.recoveredDomains().toCompletableFuture().join().getFirst();
        ok(engine.releaseGroup(owners.getFirst(), 2));
        ok(engine.freeDomain(recovered));
        again.stop().toCompletableFuture().join();
    }

    @Test
    void anInKernelCallersDefaultDomainUsesComeBackToTheAdminAfterARestart() {
        EngineAdmin admin = started("authority-default-recovery", machine());
        ok(admin.custody().useDefaultDomain(SPARE));
        ok(admin.custody().useDefaultDomain(SPARE));
        ok(admin.custody().bind(NIC, "e1000e")); // the driver's own use: not a caller's to give back
        admin.stop().toCompletableFuture().join();

        EngineAdmin again = started("authority-default-recovery", machine());
        Custody engine = again.custody();
        List<DefaultDomainUse> uses =
                again.recoveredDefaultDomainUses().toCompletableFuture().join();
        assertEquals(List.of(SPARE, SPARE), uses.stream().map(u -> u.device).toList(), "two uses, none the driver's");
        for (DefaultDomainUse use : uses) {
            ok(engine.unuseDefaultDomain(use));
        }
        assertEquals(0, ownerCnt(engine, 2), "every recovered use given back");
        assertEquals(1, ownerCnt(engine, 1), "the bound driver keeps its use");
        refused(Errno.EBADF, engine.unuseDefaultDomain(uses.getFirst()), "a recovered use, given back already");
        again.stop().toCompletableFuture().join();
    }

    @Test
    void anOperationSentAgainUnderItsRetryKeyGetsTheFirstAnswerAndNoOneElseCanCollectIt() {
        EngineAdmin admin = started("authority-retry", machine());
        Custody engine = admin.custody().as("vm1");
        RetryKey key = RetryKey.random();
        VfioContainerFd first = ok(engine.retrying(key).openContainer("vm1"));
        VfioContainerFd again = ok(engine.retrying(key).openContainer("vm1"));
        assertEquals(first.file, again.file, "one container, not two");
        VfioContainerFd stranger = ok(engine.retrying(RetryKey.random()).openContainer("vm1"));
        assertNotEquals(first.file, stranger.file, "another key is another operation");

        RetryKey claim = RetryKey.random();
        DmaOwner owner = ok(engine.retrying(claim).claimGroup(2, "driver"));
        DmaOwner sameOwner = ok(engine.retrying(claim).claimGroup(2, "driver"));
        assertEquals(owner.owner, sameOwner.owner, "the claim sent again is the same claim, under the same cookie");
        assertThrows(
                java.util.concurrent.CompletionException.class,
                () -> join(engine.retrying(claim).openContainer("other")),
                "a key names one operation");
        ok(engine.releaseGroup(sameOwner, 2));
        admin.stop().toCompletableFuture().join();
    }

    @Test
    void thePublicApiTakesNoRawCommandGivesNoStateAndLeadsNoWayToTheAdmin() {
        for (Method method : Custody.class.getMethods()) {
            if (method.getDeclaringClass() == Object.class) {
                continue;
            }
            assertTrue(
                    Arrays.stream(method.getParameterTypes()).noneMatch(Command.class::isAssignableFrom),
                    method + " takes a raw command");
            String returned = method.getGenericReturnType().getTypeName();
            for (String privileged : List.of("EngineAdmin", "KernelState", "DomainId", "FileId")) {
                assertTrue(!returned.contains(privileged), method + " returns " + privileged);
            }
            assertTrue(
                    !List.of(
                                    "recoveredDomains",
                                    "recoveredOwners",
                                    "recoveredDefaultDomainUses",
                                    "decide",
                                    "execute",
                                    "state",
                                    "stop",
                                    "halt")
                            .contains(method.getName()),
                    method + " belongs to the admin");
        }
        assertTrue(
                Arrays.stream(EngineAdmin.class.getConstructors()).findAny().isEmpty(),
                "an admin comes only from EngineAdmin.start");
        for (Class<?> capability : Capability.class.getPermittedSubclasses()) {
            assertTrue(
                    Arrays.stream(capability.getDeclaredConstructors())
                            .noneMatch(
                                    c -> Modifier.isPublic(c.getModifiers()) || Modifier.isProtected(c.getModifiers())),
                    capability + " can be made outside the engine");
        }
    }
}
