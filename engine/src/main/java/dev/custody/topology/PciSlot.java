package dev.custody.topology;

import java.util.List;

/** One slot (bus and device number): the functions of one physical or virtual device. */
public record PciSlot(BusAddress bus, int device, List<PciFunction> functions) {

    public PciSlot {
        functions = List.copyOf(functions);
    }

    public boolean isMultifunction() {
        return functions.size() > 1 || functions.stream().anyMatch(PciFunction::isMultifunction);
    }

    public String name() {
        return "%02x:%02x".formatted(bus.bus(), device);
    }
}
