package dev.custody.rules;

import static dev.custody.rules.Results.OK;
import static dev.custody.rules.Results.fail;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.DriverName;
import dev.custody.model.DriverSpec;
import dev.custody.model.DynamicId;
import dev.custody.model.Errno;
import dev.custody.model.GroupId;
import dev.custody.model.Outcome;
import dev.custody.model.PciDeviceIds;
import dev.custody.model.Reply;
import dev.custody.model.event.DeviceEvent.DeviceAdded;
import dev.custody.model.event.DeviceEvent.DeviceRemoved;
import dev.custody.model.event.DeviceEvent.DriverBound;
import dev.custody.model.event.DeviceEvent.DriverOverrideSet;
import dev.custody.model.event.DeviceEvent.DriverUnbound;
import dev.custody.model.event.DeviceEvent.ProbeFailureArmed;
import dev.custody.model.event.DeviceEvent.ProbeFailureConsumed;
import dev.custody.model.event.DeviceEvent.ReleaseBlocked;
import dev.custody.model.event.DomainEvent.DomainAllocated;
import dev.custody.model.event.DomainEvent.DomainFreed;
import dev.custody.model.event.DriverEvent.DynamicIdAdded;
import dev.custody.model.event.DriverEvent.DynamicIdRemoved;
import dev.custody.model.event.GroupEvent.DeviceJoinedGroup;
import dev.custody.model.event.GroupEvent.DeviceLeftGroup;
import dev.custody.model.event.GroupEvent.GroupCreated;
import dev.custody.model.event.GroupEvent.GroupDestroyed;
import dev.custody.model.state.DeviceState;
import dev.custody.model.state.DomainKind;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.DomainUse;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.PendingRelease;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The driver core (drivers/base/dd.c, bus.c) as it touches DMA ownership (docs/kernel-rules.md, Driver core). */
public final class DriverCore {
    private DriverCore() {}

    /** How really_probe ended: it returns probe() errors positive, to tell them from dma_configure's. */
    private sealed interface ProbeResult {
        record Bound() implements ProbeResult {}

        record DmaConfigureFailed(Outcome<Reply> error) implements ProbeResult {}

        record ProbeFailed(Errno errno, String reason) implements ProbeResult {}
    }

    /** sysfs bind: bind_store -> device_driver_attach. */
    public static Outcome<Reply> bind(Tx tx, DeviceId id, String driverName) {
        if (tx.state().topology().driver(driverName).isEmpty()) {
            // no driver of that name is registered, so /sys/bus/pci/drivers/NAME/bind does not exist: open fails
            return fail(Errno.ENOENT, "no driver " + driverName + " is registered (no " + driverName + "/bind file)");
        }
        DeviceState device = tx.state().device(id);
        if (!device.present()) {
            return fail(Errno.ENODEV, id + " is not present");
        }
        if (device.override().isPresent() && !device.override().get().equals(driverName)) {
            return fail(
                    Errno.ENODEV,
                    id + " has driver_override " + device.override().get() + "; " + driverName + " does not match");
        }
        DriverSpec driver = driver(tx, driverName);
        if (driver.idTable().isPresent() && device.override().isEmpty() && !matchesWithoutOverride(tx, id, driver)) {
            return fail(
                    Errno.ENODEV,
                    driverName + "'s id table and dynamic ids do not match " + id
                            + (tx.state().spec(id).pciIds().isEmpty() ? " (the topology gives it no ids)" : "")
                            + ", and it has no driver_override");
        }
        if (device.driver().isPresent()) {
            return fail(
                    Errno.EBUSY, id + " is already bound to " + device.driver().get()); // __driver_probe_device
        }
        return switch (reallyProbe(tx, id, driver)) {
            case ProbeResult.Bound b -> OK;
            case ProbeResult.DmaConfigureFailed f -> f.error();
            case ProbeResult.ProbeFailed f -> fail(f.errno(), f.reason()); // device_driver_attach negates it back
        };
    }

    /** sysfs drivers_probe: drivers_probe_store -> bus_rescan_devices_helper, matching drivers in order. */
    public static Outcome<Reply> probe(Tx tx, DeviceId id) {
        DeviceState device = tx.state().device(id);
        if (!device.present()) {
            return fail(Errno.ENODEV, id + " is not present");
        }
        if (device.driver().isPresent()) {
            return Results.ok(new Reply.Probed(device.driver()));
        }
        for (String candidate : candidates(tx, id)) {
            ProbeResult result = reallyProbe(tx, id, driver(tx, candidate));
            switch (result) {
                case ProbeResult.Bound b -> {
                    return Results.ok(new Reply.Probed(Optional.of(candidate)));
                }
                case ProbeResult.DmaConfigureFailed f -> {
                    // bus_rescan_devices_helper fails, drivers_probe_store answers -EINVAL (checked on 6.12)
                    return fail(
                            Errno.EINVAL,
                            "probing " + candidate + " failed in dma_configure: "
                                    + f.error().explanation().orElse(f.error().resultName()));
                }
                case ProbeResult.ProbeFailed f -> {
                    // probe() errors are ignored so that the next driver can try its luck
                }
            }
        }
        return Results.ok(new Reply.Probed(Optional.empty()));
    }

    /** sysfs unbind (unbind_store); a VFIO driver blocks in vfio_unregister_group_dev while VFIO fds are open. */
    public static Outcome<Reply> unbind(Tx tx, DeviceId id) {
        DeviceState device = tx.state().device(id);
        if (!device.present() || device.driver().isEmpty()) {
            return fail(Errno.ENODEV, id + " is not bound to a driver");
        }
        if (device.pending().isPresent()) {
            return Outcome.pending(id + " is already waiting for its VFIO fds to close");
        }
        if (blocksOnVfioFds(tx, id) && !tx.mutated(Mutant.UNBIND_IGNORES_VFIO_FDS)) {
            tx.emit(new ReleaseBlocked(id, PendingRelease.UNBIND));
            return Outcome.pending(device.driver().get() + " waits in vfio_unregister_group_dev until "
                    + tx.state().vfioFdsOf(id) + " open VFIO fd(s) of " + id + " are closed");
        }
        releaseDriver(tx, id);
        return OK;
    }

    /** sysfs driver_override: a removed device has no sysfs directory, so the write finds no file. */
    public static Outcome<Reply> override(Tx tx, DeviceId id, Optional<String> driver) {
        if (!tx.state().device(id).present()) {
            return fail(Errno.ENOENT, id + " is not present, so it has no driver_override file");
        }
        tx.emit(new DriverOverrideSet(id, driver));
        return OK;
    }

    /** The catalogued drivers with no id table of their own: pci-stub binds only through new_id and driver_override. */
    private static final Set<String> WITHOUT_ID_TABLE = Set.of("pci-stub");

    /**
     * new_id_store takes a driver_data only from an entry of the driver's table, any where it has no
     * table (pci-stub). A declared table's entries say which; an undeclared table, or a declared empty
     * one (vfio-pci's one entry matches only under driver_override and holds 0), takes 0.
     */
    private static boolean driverDataInTable(DriverSpec driver, long driverData) {
        if (WITHOUT_ID_TABLE.contains(driver.name())) {
            return true;
        }
        List<DynamicId> table = driver.idTable().orElse(List.of());
        return table.isEmpty() ? driverData == 0 : table.stream().anyMatch(entry -> entry.driverData() == driverData);
    }

    /**
     * sysfs new_id (new_id_store, pci_add_dynid): "vendor device [subvendor subdevice class class_mask
     * driver_data]". With fewer than all seven fields an id the driver already matches is refused; the
     * model knows a driver's static table only through the devices whose {@code matches} name it, and
     * of its driver_data values only 0 (which every catalogued table holds); pci-stub, whose id_table
     * is NULL, takes any driver_data, as new_id_store checks the value only against a table. A declared
     * table ({@link DriverSpec#idTable}) is also matched, and its entries' driver_data are the ones taken.
     */
    public static Outcome<Reply> newId(Tx tx, String driverName, String text) {
        if (tx.state().topology().driver(driverName).isEmpty()) {
            return fail(Errno.ENOENT, "no driver " + driverName + " is registered (no " + driverName + "/new_id file)");
        }
        List<Long> fields = HexFields.scan(text, 7);
        if (fields.size() < 2) {
            return fail(Errno.EINVAL, "new_id needs at least vendor and device, not \"" + text + "\"");
        }
        DynamicId id = new DynamicId(
                (int) (long) fields.get(0),
                (int) (long) fields.get(1),
                fields.size() > 2 ? (int) (long) fields.get(2) : DynamicId.ANY,
                fields.size() > 3 ? (int) (long) fields.get(3) : DynamicId.ANY,
                fields.size() > 4 ? (int) (long) fields.get(4) : 0,
                fields.size() > 5 ? (int) (long) fields.get(5) : 0,
                fields.size() > 6 ? fields.get(6) : 0L);
        if (fields.size() != 7 && matchesStandIn(tx, driverName, id)) {
            return fail(
                    Errno.EEXIST,
                    driverName + " already matches " + Integer.toHexString(id.vendor()) + ":"
                            + Integer.toHexString(id.device()) + " (its id table or a dynamic id)");
        }
        if (!driverDataInTable(driver(tx, driverName), id.driverData())) {
            return fail(
                    Errno.EINVAL,
                    "driver_data " + Long.toHexString(id.driverData()) + " is in no id-table entry of " + driverName);
        }
        tx.emit(new DynamicIdAdded(new DriverName(driverName), id));
        driverAttach(tx, driverName);
        return OK;
    }

    /** sysfs remove_id (remove_id_store): the first dynamic id the written fields describe goes, else ENODEV. */
    public static Outcome<Reply> removeId(Tx tx, String driverName, String text) {
        if (tx.state().topology().driver(driverName).isEmpty()) {
            return fail(
                    Errno.ENOENT, "no driver " + driverName + " is registered (no " + driverName + "/remove_id file)");
        }
        List<Long> fields = HexFields.scan(text, 6);
        if (fields.size() < 2) {
            return fail(Errno.EINVAL, "remove_id needs at least vendor and device, not \"" + text + "\"");
        }
        int vendor = (int) (long) fields.get(0);
        int device = (int) (long) fields.get(1);
        int subvendor = fields.size() > 2 ? (int) (long) fields.get(2) : DynamicId.ANY;
        int subdevice = fields.size() > 3 ? (int) (long) fields.get(3) : DynamicId.ANY;
        int classCode = fields.size() > 4 ? (int) (long) fields.get(4) : 0;
        int classMask = fields.size() > 5 ? (int) (long) fields.get(5) : 0;
        for (DynamicId id : tx.state().dynamicIds(driverName)) {
            // vendor and device exactly; a written PCI_ANY_ID subsystem and the written class mask widen the rest
            if (id.vendor() == vendor
                    && id.device() == device
                    && (subvendor == DynamicId.ANY || id.subvendor() == subvendor)
                    && (subdevice == DynamicId.ANY || id.subdevice() == subdevice)
                    && ((id.classCode() ^ classCode) & classMask) == 0) {
                tx.emit(new DynamicIdRemoved(new DriverName(driverName), id));
                return OK; // bound devices stay bound, as in the kernel
            }
        }
        return fail(Errno.ENODEV, driverName + " has no dynamic id matching \"" + text + "\"");
    }

    /**
     * pci_match_device on new_id_store's zeroed stand-in device: the driver's dynamic ids, then its
     * static table, declared or seen as the devices with these ids whose {@code matches} name it.
     */
    private static boolean matchesStandIn(Tx tx, String driverName, DynamicId standIn) {
        java.util.function.Predicate<DynamicId> matches = id -> id.matches(
                standIn.vendor(), standIn.device(), standIn.subvendor(), standIn.subdevice(), standIn.classCode());
        if (tx.state().dynamicIds(driverName).stream().anyMatch(matches)
                || driver(tx, driverName).idTable().orElse(List.of()).stream().anyMatch(matches)) {
            return true;
        }
        return tx.state().topology().devices().values().stream()
                .anyMatch(d -> d.matches().contains(driverName)
                        && d.pciIds().isPresent()
                        && d.pciIds().get().vendor() == standIn.vendor()
                        && d.pciIds().get().device() == standIn.device());
    }

    /** driver_attach: every present, unbound device the driver now matches is probed; failures are ignored. */
    private static void driverAttach(Tx tx, String driverName) {
        for (DeviceId id : tx.state().topology().devices().keySet()) {
            DeviceState device = tx.state().device(id);
            if (device.present()
                    && device.driver().isEmpty()
                    && device.pending().isEmpty()
                    && candidates(tx, id).contains(driverName)) {
                reallyProbe(tx, id, driver(tx, driverName)); // __driver_attach ignores the result
            }
        }
    }

    /** Fault injection: the next probe() on this device returns errno. */
    public static Outcome<Reply> failNextProbe(Tx tx, DeviceId id, Errno errno) {
        tx.emit(new ProbeFailureArmed(id, errno));
        return OK;
    }

    /** Hot-add: the device joins its group on the group's current domain (__iommu_probe_device), then autoprobe. */
    public static Outcome<Reply> add(Tx tx, DeviceId id) {
        if (tx.state().device(id).present()) {
            return fail(Errno.EEXIST, id + " is already present");
        }
        tx.emit(new DeviceAdded(id));
        joinGroup(tx, id);
        autoprobe(tx, id);
        return OK;
    }

    /** Hot-remove: unbind (blocking on VFIO fds like unbind), then leave the group (invariant G10). */
    public static Outcome<Reply> remove(Tx tx, DeviceId id) {
        DeviceState device = tx.state().device(id);
        if (!device.present()) {
            return fail(Errno.ENODEV, id + " is not present");
        }
        if (device.pending().isPresent()) {
            return Outcome.pending(id + " is already waiting for its VFIO fds to close");
        }
        if (device.driver().isPresent() && blocksOnVfioFds(tx, id)) {
            tx.emit(new ReleaseBlocked(id, PendingRelease.REMOVE));
            return Outcome.pending(
                    id + " removal waits until its " + tx.state().vfioFdsOf(id) + " open VFIO fd(s) are closed");
        }
        if (device.driver().isPresent()) {
            releaseDriver(tx, id);
        }
        return leaveGroupAndVanish(tx, id);
    }

    /** A device present at boot joins its group; only its configured boot driver binds (no autoprobe). */
    public static void bootAdd(Tx tx, DeviceId id) {
        tx.emit(new DeviceAdded(id));
        joinGroup(tx, id);
    }

    /** The boot-time probe of a device's configured driver; its outcome tells whether boot worked. */
    public static Outcome<Reply> bootBind(Tx tx, DeviceId id, String driverName) {
        return bind(tx, id, driverName);
    }

    /** Completes an unbind or removal that waited for the device's last VFIO fd (vfio_unregister_group_dev). */
    static void completePendingRelease(Tx tx, DeviceId id) {
        DeviceState device = tx.state().device(id);
        if (device.pending().isEmpty() || tx.state().vfioFdsOf(id) > 0) {
            return;
        }
        PendingRelease what = device.pending().get();
        releaseDriver(tx, id);
        if (what == PendingRelease.REMOVE) {
            leaveGroupAndVanish(tx, id);
        }
    }

    private static boolean blocksOnVfioFds(Tx tx, DeviceId id) {
        return tx.state().boundToVfio(id) && tx.state().vfioFdsOf(id) > 0;
    }

    /** really_probe: dma_configure, probe(), and dma_cleanup on any later failure. */
    private static ProbeResult reallyProbe(Tx tx, DeviceId id, DriverSpec driver) {
        if (!driver.managedDma() && !tx.mutated(Mutant.PROBE_NOT_RECORDED)) {
            Outcome<Reply> configured = GroupRules.useDefaultDomain(tx, id); // bus dma_configure, before probe()
            if (!configured.isOk()) {
                return new ProbeResult.DmaConfigureFailed(configured);
            }
        }
        Optional<dev.custody.model.Errno> injected = tx.state().device(id).failNextProbe();
        if (injected.isPresent()) {
            tx.emit(new ProbeFailureConsumed(id));
            if (!tx.mutated(Mutant.FAILED_PROBE_SKIPS_CLEANUP)) {
                dmaCleanup(tx, id, driver); // really_probe's probe_failed path
            }
            return new ProbeResult.ProbeFailed(
                    injected.get(), driver.name() + " probe() of " + id + " returned -" + injected.get());
        }
        if (driver.vfio() && tx.state().groupOf(id).isEmpty()) {
            dmaCleanup(tx, id, driver); // vfio_group_find_or_alloc: no IOMMU group, -EINVAL
            return new ProbeResult.ProbeFailed(
                    Errno.EINVAL, id + " has no IOMMU group; " + driver.name() + " cannot register it");
        }
        tx.emit(new DriverBound(id, driver.name()));
        return new ProbeResult.Bound();
    }

    /** __device_release_driver: remove() (VFIO unregisters here), then dma_cleanup. */
    private static void releaseDriver(Tx tx, DeviceId id) {
        DriverSpec driver = driver(tx, tx.state().device(id).driver().orElseThrow());
        tx.emit(new DriverUnbound(id));
        if (driver.vfio()) {
            tx.state().groupOf(id).ifPresent(g -> VfioGroupRules.afterDeviceUnregistered(tx, g.id()));
        }
        dmaCleanup(tx, id, driver);
    }

    private static void dmaCleanup(Tx tx, DeviceId id, DriverSpec driver) {
        if (!driver.managedDma()) {
            GroupRules.unuseDefaultDomain(tx, id);
        }
    }

    /** bus_probe_device: autoprobe after add; failures leave the device unbound. */
    private static void autoprobe(Tx tx, DeviceId id) {
        for (String candidate : candidates(tx, id)) {
            ProbeResult result = reallyProbe(tx, id, driver(tx, candidate));
            if (!(result instanceof ProbeResult.ProbeFailed)) {
                return; // bound, or dma_configure refused (EBUSY): __device_attach stops either way
            }
        }
    }

    /** driver_override restricts matching to one driver; otherwise the id-table matches in order. */
    private static List<String> candidates(Tx tx, DeviceId id) {
        Optional<String> override = tx.state().device(id).override();
        if (override.isPresent()) {
            return tx.state().topology().driver(override.get()).isPresent() ? List.of(override.get()) : List.of();
        }
        // pci_match_device also tries the dynamic ids; the model orders those drivers after the static
        // ones: the device's matches, then the drivers whose declared table matches it, in catalogue order
        List<String> drivers = new java.util.ArrayList<>(tx.state().spec(id).matches());
        Optional<PciDeviceIds> ids = tx.state().spec(id).pciIds();
        if (ids.isPresent()) {
            for (DriverSpec driver : tx.state().topology().drivers().values()) {
                if (!drivers.contains(driver.name()) && driver.tableMatches(ids.get())) {
                    drivers.add(driver.name());
                }
            }
            for (var entry : tx.state().dynamicIds().entrySet()) {
                String name = entry.getKey().name();
                if (!drivers.contains(name)
                        && tx.state().topology().driver(name).isPresent()
                        && entry.getValue().stream().anyMatch(d -> d.matches(ids.get()))) {
                    drivers.add(name);
                }
            }
        }
        return drivers;
    }

    /**
     * pci_match_device without driver_override: the driver's dynamic ids, its declared table, or the
     * device's {@code matches} naming it (the table as the topology shows it from the device's side).
     */
    private static boolean matchesWithoutOverride(Tx tx, DeviceId id, DriverSpec driver) {
        if (tx.state().spec(id).matches().contains(driver.name())) {
            return true;
        }
        Optional<PciDeviceIds> ids = tx.state().spec(id).pciIds();
        return ids.isPresent()
                && (driver.tableMatches(ids.get())
                        || tx.state().dynamicIds(driver.name()).stream().anyMatch(d -> d.matches(ids.get())));
    }

    private static DriverSpec driver(Tx tx, String name) {
        return tx.state()
                .topology()
                .driver(name)
                .orElseThrow(() -> new IllegalArgumentException("unknown driver " + name));
    }

    /** iommu_probe_device / iommu_group_add_device: the first device allocates the group and its default domain. */
    private static void joinGroup(Tx tx, DeviceId id) {
        Optional<GroupId> groupId = tx.state().spec(id).group();
        if (groupId.isEmpty()) {
            return;
        }
        if (tx.state().group(groupId.get()).isEmpty()) {
            DomainId defaultDomain = tx.nextDomainId();
            tx.emit(new DomainAllocated(new DomainState(
                    defaultDomain,
                    "default",
                    DomainKind.DMA,
                    tx.state().spec(id).iommu().orElseThrow(),
                    new DomainUse.GroupCore(groupId.get()))));
            tx.emit(new GroupCreated(groupId.get(), defaultDomain));
        }
        tx.emit(new DeviceJoinedGroup(groupId.get(), id));
        GroupState joined = tx.state().group(groupId.get()).orElseThrow();
        if (tx.mutated(Mutant.HOT_ADD_DEFAULT_DOMAIN) && joined.isOwned()) {
            tx.emit(new dev.custody.model.event.GroupEvent.GroupDomainSet(joined.id(), joined.defaultDomain()));
        }
    }

    /** iommu_release_device: the last device takes the group and its core domains with it (G10). */
    private static Outcome<Reply> leaveGroupAndVanish(Tx tx, DeviceId id) {
        Optional<GroupState> found = tx.state().groupOf(id);
        Outcome<Reply> result = OK;
        if (found.isPresent()) {
            GroupState group = found.get();
            tx.emit(new DeviceLeftGroup(group.id(), id));
            if (group.devices().size() == 1) {
                if (group.ownerCnt() != 0 || !group.onDefaultDomain()) {
                    result =
                            Outcome.warn("group " + group.id() + " emptied while " + Describe.holders(tx.state(), group)
                                    + " on domain " + Describe.domainOf(tx.state(), group, group.domain()) + " (G10)");
                }
                tx.emit(new GroupDestroyed(group.id()));
                tx.state().coreDomainsOf(group.id()).stream()
                        .filter(freed -> !tx.mutated(Mutant.EMPTY_GROUP_KEEPS_DOMAINS))
                        .map(DomainState::id)
                        .toList()
                        .forEach(d -> tx.emit(new DomainFreed(d)));
            }
        }
        tx.emit(new DeviceRemoved(id));
        return result;
    }
}
