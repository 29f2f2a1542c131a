package dev.custody.oracle;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DynamicId;
import dev.custody.model.state.KernelState;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The walks' new_id and remove_id writes, drawn so that the guest plays them ({@link GuestDynamicIds}):
 * vfio-pci and pci-stub with the ids of an endpoint or an id no device has, in two, four or seven
 * fields (driver_data 0 or 1); an endpoint's own driver with its own ids, which its table already
 * matches; text the kernel cannot read as two fields; and removals of ids added before or never.
 * Machines in the devices form give no ids, so nothing is drawn there.
 */
final class WalkDynamicIds {
    /** An Intel 82574L's id: no QEMU device the walks' machines are played by has it. */
    private static final String NO_DEVICE_HAS = "8086 10d3";

    private static final String ANY_SUBSYSTEM = " ffffffff ffffffff";

    private final SplittableRandom random;
    private final WalkMachine machine;

    WalkDynamicIds(SplittableRandom random, WalkMachine machine) {
        this.random = random;
        this.machine = machine;
    }

    /**
     * A new_id the guest plays, or empty: on a machine without ids, and while a device's unbind is
     * blocked, since driver_attach would wait for that device's lock behind it.
     */
    Optional<Command<?>> newId(KernelState model) {
        if (endpointsWithIds().isEmpty() || blockedAnywhere(model)) {
            return Optional.empty();
        }
        int roll = random.nextInt(100);
        if (roll < 15) {
            Optional<Command<?>> own = ownDriversOwnIds();
            if (own.isPresent()) {
                return own;
            }
        }
        String driver = managedDriver();
        if (roll < 22) {
            return Optional.of(new Command.DriverNewId(driver, random.nextBoolean() ? "zz 0010" : "1b36"));
        }
        String ids = random.nextInt(5) == 0 ? NO_DEVICE_HAS : someEndpointsIds();
        int form = random.nextInt(100);
        String text =
                form < 70 ? ids : form < 85 ? ids + ANY_SUBSYSTEM : ids + ANY_SUBSYSTEM + " 0 0 " + random.nextInt(2);
        return Optional.of(new Command.DriverNewId(driver, text));
    }

    /** A remove_id: mostly of an id the driver holds, in two or six fields; sometimes of one it never had. */
    Optional<Command<?>> removeId(KernelState model) {
        if (endpointsWithIds().isEmpty()) {
            return Optional.empty();
        }
        if (random.nextInt(10) == 0) {
            List<String> own = machine.kernelDrivers();
            if (!own.isEmpty()) {
                String driver = own.get(random.nextInt(own.size()));
                return Optional.of(new Command.DriverRemoveId(driver, someEndpointsIds()));
            }
        }
        String driver = managedDriver();
        List<DynamicId> held = model.dynamicIds(driver);
        DynamicId one = held.isEmpty() ? null : held.get(random.nextInt(held.size()));
        String ids = one != null && random.nextInt(4) != 0
                ? "%04x %04x".formatted(one.vendor(), one.device())
                : someEndpointsIds();
        return Optional.of(
                new Command.DriverRemoveId(driver, random.nextBoolean() ? ids : ids + ANY_SUBSYSTEM + " 0 0"));
    }

    /** An endpoint's own kernel-DMA driver with the endpoint's ids: EEXIST, its table matches them. */
    private Optional<Command<?>> ownDriversOwnIds() {
        List<String> driven = endpointsWithIds().stream()
                .filter(e -> machine.driverOf(e).isPresent())
                .toList();
        if (driven.isEmpty()) {
            return Optional.empty();
        }
        String endpoint = driven.get(random.nextInt(driven.size()));
        return Optional.of(new Command.DriverNewId(
                machine.driverOf(endpoint).orElseThrow(),
                machine.idsOf(endpoint).orElseThrow()));
    }

    private String managedDriver() {
        return random.nextInt(5) < 3 ? "vfio-pci" : "pci-stub";
    }

    private String someEndpointsIds() {
        List<String> endpoints = endpointsWithIds();
        return machine.idsOf(endpoints.get(random.nextInt(endpoints.size()))).orElseThrow();
    }

    private List<String> endpointsWithIds() {
        return machine.endpoints().stream()
                .filter(e -> machine.idsOf(e).isPresent())
                .toList();
    }

    private boolean blockedAnywhere(KernelState model) {
        return machine.allDevices().stream()
                .anyMatch(d -> model.device(new DeviceId(d)).pending().isPresent());
    }
}
