package dev.custody.topology;

import static dev.custody.topology.PciFunctionBuilder.function;

import java.util.Set;

/** Building blocks for the rule tables: ports, bridges and endpoints with few words. */
final class Parts {

    static final int INTEL = 0x8086;
    static final int GENERIC = 0x1234;

    private Parts() {}

    static AcsCapability acs(Set<AcsFlag> supported, Set<AcsFlag> enabled) {
        return new AcsCapability(supported, enabled);
    }

    static PciFunction rootPortWithAcs(String address, int bus) {
        return function(address, GENERIC, 0x0100)
                .express(PciePortType.ROOT_PORT)
                .acs(AcsCapability.isolating())
                .bridge(bus, bus)
                .build();
    }

    static PciFunction rootPortWithoutAcs(String address, int bus) {
        return function(address, GENERIC, 0x0101)
                .express(PciePortType.ROOT_PORT)
                .bridge(bus, bus)
                .build();
    }

    static PciFunction pcieEndpoint(String address) {
        return function(address, GENERIC, 0x0200).express(PciePortType.ENDPOINT).build();
    }

    static PciFunction conventional(String address) {
        return function(address, GENERIC, 0x0300).build();
    }
}
