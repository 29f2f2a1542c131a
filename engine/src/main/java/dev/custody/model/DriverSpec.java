package dev.custody.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A device driver as the ownership rules see it. {@code managedDma} is the bus driver's
 * driver_managed_dma flag; {@code vfio} registers bound devices with VFIO (vfio_register_group_dev).
 *
 * @param idTable the driver's static id table (its pci_device_id entries), where the topology declares
 *     one: then the driver matches a device only as the driver core matches it (the table, its dynamic
 *     ids, the device's {@code matches}, or driver_override), and an explicit bind of a device it does
 *     not match is refused. Empty when undeclared, as in every file written before tables existed: such
 *     a driver binds wherever a bind names it, and probes where the device's {@code matches} name it.
 *     A declared empty table matches no device by its ids, as pci-stub's (which has none) and
 *     vfio-pci's (whose one entry matches only under driver_override).
 */
public record DriverSpec(String name, boolean managedDma, boolean vfio, Optional<List<DynamicId>> idTable) {
    public DriverSpec {
        Objects.requireNonNull(name);
        idTable = idTable == null ? Optional.empty() : idTable.map(List::copyOf); // records journaled before read null
    }

    /** A driver whose id table the topology does not declare. */
    public DriverSpec(String name, boolean managedDma, boolean vfio) {
        this(name, managedDma, vfio, Optional.empty());
    }

    public static DriverSpec kernelDma(String name) {
        return new DriverSpec(name, false, false);
    }

    /** Whether the declared table has an entry matching a device of these ids (false when undeclared). */
    public boolean tableMatches(PciDeviceIds ids) {
        return idTable.map(table -> table.stream().anyMatch(entry -> entry.matches(ids)))
                .orElse(false);
    }
}
