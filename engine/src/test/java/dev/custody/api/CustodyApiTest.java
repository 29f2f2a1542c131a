package dev.custody.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.IommuSpec;
import dev.custody.model.Outcome;
import dev.custody.model.Topology;
import dev.custody.model.event.GroupEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A control process's view of the engine: capabilities, typed outcomes, the view, the listener. */
class CustodyApiTest extends InMemoryRuntimeTest {

    static Topology machine() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        for (String name : List.of("0000:00:03.0", "0000:00:03.1")) {
            DeviceId id = new DeviceId(name);
            devices.put(
                    id,
                    new DeviceSpec(
                            id,
                            Optional.of("dmar0"),
                            Optional.of(new GroupId(1)),
                            List.of(),
                            false,
                            true,
                            Optional.of("e1000e")));
        }
        return new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices);
    }

    private static <T> T ok(java.util.concurrent.CompletionStage<Outcome<T>> stage) {
        Outcome<T> outcome = stage.toCompletableFuture().join();
        assertTrue(outcome.isOk(), outcome.toString());
        return ((Outcome.Ok<T>) outcome).value();
    }

    @Test
    void assignAMultiDeviceGroupToAVmAndGiveItBack() throws Exception {
        EngineAdmin engineAdmin = started("api-assign", machine());
        Custody engine = engineAdmin.custody();
        List<OwnershipChange> changes = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> sawRelease = new CompletableFuture<>();
        AutoCloseable subscription = engineAdmin
                .subscribe(change -> {
                    changes.add(change);
                    if (change.events().stream().anyMatch(e -> e instanceof GroupEvent.OwnershipReleased)) {
                        sawRelease.complete(null);
                    }
                })
                .toCompletableFuture()
                .join();

        VfioContainerFd container = ok(engine.openContainer("vm1"));
        Outcome<VfioGroupFd> tooEarly =
                engine.openGroup(1, "g1").toCompletableFuture().join();
        assertEquals("ENOENT", tooEarly.resultName(), "no VFIO device in the group yet, so no /dev/vfio node");

        for (String device : List.of("0000:00:03.0", "0000:00:03.1")) {
            ok(engine.unbind(device));
            ok(engine.bind(device, "vfio-pci"));
        }
        VfioGroupFd group = ok(engine.openGroup(1, "g1"));
        ok(engine.setContainer(group, container));
        ok(engine.setIommu(container, true));
        VfioDeviceFd nic = ok(engine.deviceFd(group, "0000:00:03.0", "nic"));
        ok(engine.mapDma(container, 0x100000, 0x7f0000000000L, 0x200000, true, true));

        SystemView.Group owned =
                engine.inspect().toCompletableFuture().join().group(1).orElseThrow();
        assertEquals(Optional.of("g1"), owned.owner());
        assertEquals("vm1", owned.domain());
        assertEquals(
                "EBUSY",
                engine.unsetContainer(group).toCompletableFuture().join().resultName(),
                "a device fd is open");

        ok(engine.close(nic));
        ok(engine.close(group));
        SystemView.Group released =
                engine.inspect().toCompletableFuture().join().group(1).orElseThrow();
        assertEquals(Optional.empty(), released.owner());
        assertEquals("default", released.domain());

        sawRelease.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        subscription.close();
        for (int i = 1; i < changes.size(); i++) {
            assertTrue(changes.get(i).seq() > changes.get(i - 1).seq(), "changes arrive in decision order");
        }
        engineAdmin.stop().toCompletableFuture().join();
    }

    @Test
    void aCapabilityFromAnotherEngineProvesNothing() {
        EngineAdmin firstAdmin = started("api-first", machine());
        Custody first = firstAdmin.custody();
        EngineAdmin secondAdmin = started("api-second", machine());
        Custody second = secondAdmin.custody();
        ok(first.unbind("0000:00:03.0"));
        ok(first.bind("0000:00:03.0", "vfio-pci"));
        ok(second.unbind("0000:00:03.0"));
        ok(second.bind("0000:00:03.0", "vfio-pci"));
        VfioGroupFd firstsGroup = ok(first.openGroup(1, "g1"));
        Outcome<Void> forged = second.close(firstsGroup).toCompletableFuture().join();
        assertEquals(
                new Outcome.Failed<Void>(Errno.EBADF, firstsGroup + " was not issued by engine api-second"), forged);
        assertEquals(
                "EBUSY",
                second.openGroup(1, "again")
                        .thenCompose(g -> second.openGroup(1, "again2"))
                        .toCompletableFuture()
                        .join()
                        .resultName(),
                "the second engine's own group is open once");
        firstAdmin.stop().toCompletableFuture().join();
        secondAdmin.stop().toCompletableFuture().join();
    }

    @Test
    void theInKernelAndIommufdOperationsAnswerLikeTheKernel() {
        EngineAdmin engineAdmin = started("api-ops", machine());
        Custody engine = engineAdmin.custody();
        assertEquals(
                "EPERM",
                engine.claimGroup(1, "caller").toCompletableFuture().join().resultName(),
                "e1000e holds the group");
        ok(engine.unbind("0000:00:03.0"));
        ok(engine.unbind("0000:00:03.1"));
        DomainRef shared = ok(engine.allocateDomain("0000:00:03.0", "S"));
        ok(engine.attachShared(shared, "0000:00:03.0"));
        ok(engine.attachShared(shared, "0000:00:03.1"));
        assertEquals(
                Optional.of("S"),
                engine.inspect()
                        .toCompletableFuture()
                        .join()
                        .group(1)
                        .orElseThrow()
                        .owner());
        ok(engine.detachShared(shared, "0000:00:03.0"));
        ok(engine.detachShared(shared, "0000:00:03.1"));
        ok(engine.freeDomain(shared));

        ok(engine.bind("0000:00:03.0", "vfio-pci"));
        IommufdFd iommufd = ok(engine.openIommufd("X"));
        IoasRef ioas = ok(engine.allocateIoas(iommufd, "I"));
        CdevFd cdev = ok(engine.openCdev("0000:00:03.0", "cdev"));
        assertEquals(2, ok(engine.bind(cdev, iommufd)), "object ids are per context, in order: the IOAS took 1");
        HwptRef hwpt = ok(engine.allocateHwpt(iommufd, cdev, ioas, "H"));
        ok(engine.attach(cdev, hwpt, "H"));
        assertEquals(
                "EBUSY",
                engine.destroy(iommufd, hwpt).toCompletableFuture().join().resultName(),
                "attached");
        assertEquals(
                "EBUSY",
                engine.destroy(iommufd, ioas).toCompletableFuture().join().resultName(),
                "used by H");
        assertEquals(0x200000L, ok(engine.map(ioas, java.util.OptionalLong.empty(), 0x200000, true, true)));
        ok(engine.close(cdev));
        ok(engine.destroy(iommufd, hwpt));
        ok(engine.destroy(iommufd, ioas));
        engineAdmin.stop().toCompletableFuture().join();
    }
}
