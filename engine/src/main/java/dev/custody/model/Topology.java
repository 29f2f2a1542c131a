package dev.custody.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;

/** The static machine: IOMMU instances, the driver catalogue and the devices, each by name. */
public record Topology(
        SequencedMap<String, IommuSpec> iommus,
        SequencedMap<String, DriverSpec> drivers,
        SequencedMap<DeviceId, DeviceSpec> devices) {

    /** The drivers every topology has unless it redefines them (docs/scenario-format.md, Topology). */
    public static final List<DriverSpec> BUILT_IN_DRIVERS = List.of(
            new DriverSpec("vfio-pci", true, true),
            new DriverSpec("pci-stub", true, false),
            new DriverSpec("pcieport", true, false),
            DriverSpec.kernelDma("e1000e"),
            DriverSpec.kernelDma("e1000"),
            DriverSpec.kernelDma("nvme"),
            DriverSpec.kernelDma("ahci"),
            DriverSpec.kernelDma("virtio-pci"),
            DriverSpec.kernelDma("uio_pci_generic"));

    public Topology {
        iommus = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(iommus));
        drivers = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(drivers));
        devices = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(devices));
    }

    public static SequencedMap<String, DriverSpec> catalogueWith(List<DriverSpec> listed) {
        SequencedMap<String, DriverSpec> catalogue = new LinkedHashMap<>();
        BUILT_IN_DRIVERS.forEach(d -> catalogue.put(d.name(), d));
        listed.forEach(d -> catalogue.put(d.name(), d));
        return catalogue;
    }

    public DeviceSpec device(DeviceId id) {
        DeviceSpec spec = devices.get(id);
        if (spec == null) {
            throw new IllegalArgumentException("unknown device " + id);
        }
        return spec;
    }

    public Optional<DriverSpec> driver(String name) {
        return Optional.ofNullable(drivers.get(name));
    }

    public Optional<IommuSpec> iommuOf(DeviceId id) {
        return device(id).iommu().map(iommus::get);
    }
}
