package dev.custody.live;

import static dev.custody.live.Q35LiveHost.AUDIO;
import static dev.custody.live.Q35LiveHost.E1000;
import static dev.custody.live.Q35LiveHost.E1000_ADDRESS;
import static dev.custody.live.Q35LiveHost.NVME;
import static dev.custody.live.Q35LiveHost.VIRTIO_NET;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.live.ExternalChange.DeviceAdded;
import dev.custody.live.ExternalChange.DeviceRemoved;
import dev.custody.live.ExternalChange.DriverBound;
import dev.custody.live.ExternalChange.DriverUnbound;
import dev.custody.live.ExternalChange.OverrideChanged;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.PendingRelease;
import dev.custody.topology.sysfs.LiveSysfsFixture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model imported from a live tree, then the tree changed behind its back. */
class ReconciliationTest {

    @TempDir
    Path sys;

    private Q35LiveHost host;
    private KernelState model;

    @BeforeEach
    void bootTheModelFromTheTree() throws IOException {
        host = Q35LiveHost.q35(sys);
        model = host.bootedModel();
    }

    private List<ExternalChange> differences() {
        return Reconciliation.differences(model, host.sysfs.read());
    }

    /** Applies each change's command in order; afterwards the model must show what the host shows. */
    private void followAndAgree(List<ExternalChange> changes) {
        for (ExternalChange change : changes) model = Q35LiveHost.apply(model, change.asCommand());
        assertEquals(List.of(), differences(), "after following " + changes);
    }

    @Test
    void nothingWhenTheyAgree() {
        assertEquals(List.of(), differences());
        assertEquals(List.of(), Reconciliation.unknownToModel(model, host.sysfs.read()));
    }

    @Test
    void anUnbindIsSeenWithTheDriverItHad() throws IOException {
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        var changes = differences();
        assertEquals(List.of(new DriverUnbound(E1000, "e1000")), changes);
        assertEquals(new Command.DriverUnbind(E1000), changes.getFirst().asCommand());
        assertEquals(
                "0000:02:01.0: unbound from e1000 (sysfs driver link gone)",
                changes.getFirst().describe());
        followAndAgree(changes);
    }

    @Test
    void aBindIsSeen() throws IOException {
        LiveSysfsFixture.bind(sys, AUDIO.name(), "vfio-pci");
        var changes = differences();
        assertEquals(List.of(new DriverBound(AUDIO, "vfio-pci")), changes);
        assertEquals(
                new Command.DriverBind(AUDIO, "vfio-pci"), changes.getFirst().asCommand());
        assertEquals(
                "0000:00:1f.3: bound to vfio-pci (sysfs driver link)",
                changes.getFirst().describe());
        followAndAgree(changes);
    }

    @Test
    void anOverrideWrittenAndClearedIsSeen() throws IOException {
        LiveSysfsFixture.override(sys, E1000_ADDRESS, Optional.of("vfio-pci"));
        var set = differences();
        assertEquals(List.of(new OverrideChanged(E1000, Optional.of("vfio-pci"))), set);
        assertEquals(
                new Command.DriverOverride(E1000, Optional.of("vfio-pci")),
                set.getFirst().asCommand());
        assertEquals(
                "0000:02:01.0: driver_override set to vfio-pci", set.getFirst().describe());
        followAndAgree(set);

        LiveSysfsFixture.override(sys, E1000_ADDRESS, Optional.empty());
        var cleared = differences();
        assertEquals(List.of(new OverrideChanged(E1000, Optional.empty())), cleared);
        assertEquals("0000:02:01.0: driver_override cleared", cleared.getFirst().describe());
        followAndAgree(cleared);
    }

    @Test
    void aHotUnplugIsSeenAsARemovalAlone() throws IOException {
        LiveSysfsFixture.remove(sys, E1000_ADDRESS);
        var changes = differences();
        assertEquals(List.of(new DeviceRemoved(E1000)), changes, "the removal unbinds in the model too");
        assertEquals(new Command.DeviceRemove(E1000), changes.getFirst().asCommand());
        assertEquals(
                "0000:02:01.0: removed (gone from /sys/bus/pci/devices)",
                changes.getFirst().describe());
        followAndAgree(changes);
    }

    @Test
    void aDeviceThatCameBackIsAddedThenBound() throws IOException {
        LiveSysfsFixture.remove(sys, NVME.name());
        model = Q35LiveHost.apply(model, new Command.DeviceRemove(NVME));
        LiveSysfsFixture.plugBack(sys, NVME.name());
        var changes = differences();
        assertEquals(List.of(new DeviceAdded(NVME)), changes, "back, and nothing bound yet");
        assertEquals(new Command.DeviceAdd(NVME), changes.getFirst().asCommand());
        assertEquals(
                "0000:01:00.0: added (appeared in /sys/bus/pci/devices)",
                changes.getFirst().describe());
        followAndAgree(changes);

        LiveSysfsFixture.remove(sys, NVME.name());
        model = Q35LiveHost.apply(model, new Command.DeviceRemove(NVME));
        LiveSysfsFixture.plugBack(sys, NVME.name());
        LiveSysfsFixture.bind(sys, NVME.name(), "nvme");
        assertEquals(List.of(new DeviceAdded(NVME), new DriverBound(NVME, "nvme")), differences());
    }

    @Test
    void aDriverSwappedForVfioIsUnboundThenOverriddenThenBound() throws IOException {
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        LiveSysfsFixture.override(sys, E1000_ADDRESS, Optional.of("vfio-pci"));
        LiveSysfsFixture.bind(sys, E1000_ADDRESS, "vfio-pci");
        var changes = differences();
        assertEquals(
                List.of(
                        new DriverUnbound(E1000, "e1000"),
                        new OverrideChanged(E1000, Optional.of("vfio-pci")),
                        new DriverBound(E1000, "vfio-pci")),
                changes);
        followAndAgree(changes);
    }

    @Test
    void severalDevicesComeInTheOrderTheModelCanFollow() throws IOException {
        LiveSysfsFixture.bind(sys, AUDIO.name(), "vfio-pci");
        LiveSysfsFixture.unbind(sys, VIRTIO_NET.name());
        LiveSysfsFixture.override(sys, VIRTIO_NET.name(), Optional.of("vfio-pci"));
        LiveSysfsFixture.remove(sys, NVME.name());
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        var changes = differences();
        assertEquals(
                List.of(
                        new DeviceRemoved(NVME),
                        new DriverUnbound(E1000, "e1000"),
                        new DriverUnbound(VIRTIO_NET, "virtio-pci"),
                        new OverrideChanged(VIRTIO_NET, Optional.of("vfio-pci")),
                        new DriverBound(AUDIO, "vfio-pci")),
                changes);
        followAndAgree(changes);
    }

    @Test
    void aDeviceTheModelDoesNotKnowIsSetAside() {
        var stranger = new DeviceId("0000:07:00.0");
        var known = host.sysfs.read();
        var devices = new ArrayList<>(known.devices().values());
        devices.add(new HostDevice(stranger, true, Optional.of("nvme"), Optional.empty(), OptionalInt.of(9)));
        var view = HostView.complete(devices);
        assertEquals(List.of(), Reconciliation.differences(model, view), "the model cannot add what it lacks");
        assertEquals(List.of(stranger), Reconciliation.unknownToModel(model, view));
    }

    @Test
    void aPartialViewIsComparedOnlyOnWhatItLists() throws IOException {
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        LiveSysfsFixture.remove(sys, NVME.name());
        var onlyE1000 = host.sysfs.read(List.of(E1000));
        assertEquals(List.of(new DriverUnbound(E1000, "e1000")), Reconciliation.differences(model, onlyE1000));
    }

    @Test
    void viewsAreComparedWithEachOtherAsWithTheModel() throws IOException {
        HostView before = host.sysfs.read();
        LiveSysfsFixture.unbind(sys, E1000_ADDRESS);
        LiveSysfsFixture.remove(sys, NVME.name());
        HostView after = host.sysfs.read();
        assertEquals(
                List.of(new DeviceRemoved(NVME), new DriverUnbound(E1000, "e1000")),
                Reconciliation.differences(before, after));
        assertEquals(List.of(), Reconciliation.differences(before.updatedWith(after), after));
        assertEquals(
                List.of(new DriverUnbound(E1000, "e1000")),
                Reconciliation.differences(before, before.updatedWith(host.sysfs.read(List.of(E1000)))),
                "a partial update changes only what it lists");
    }

    @Test
    void aDriverWaitingForItsFdsShowsNoLinkInTheModelEither() {
        // sysfs removes the driver link before vfio-pci's remove() waits for open fds (SysfsRules.view)
        var pending =
                model.device(E1000).withDriver(Optional.of("vfio-pci")).withPending(Optional.of(PendingRelease.UNBIND));
        var devices = new TreeMap<>(model.devices());
        devices.put(E1000, pending);
        var waiting = new KernelState(
                model.topology(),
                devices,
                model.groups(),
                model.domains(),
                model.files(),
                model.nextDomain(),
                model.nextFile());
        assertEquals(
                Optional.empty(),
                HostView.ofModel(waiting).device(E1000).orElseThrow().driver());
    }
}
