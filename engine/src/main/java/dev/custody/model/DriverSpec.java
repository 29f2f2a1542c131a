package dev.custody.model;

import java.util.Objects;

/**
 * A device driver as the ownership rules see it. {@code managedDma} is the bus driver's
 * driver_managed_dma flag; {@code vfio} registers bound devices with VFIO (vfio_register_group_dev).
 */
public record DriverSpec(String name, boolean managedDma, boolean vfio) {
    public DriverSpec {
        Objects.requireNonNull(name);
    }

    public static DriverSpec kernelDma(String name) {
        return new DriverSpec(name, false, false);
    }
}
