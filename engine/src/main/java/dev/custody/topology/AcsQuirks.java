package dev.custody.topology;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The device-specific ACS quirk table, first opinion wins (pci_dev_specific_acs_enabled). A representative subset. */
public final class AcsQuirks {

    public static final List<AcsQuirk> TABLE = List.of(
            new AcsQuirk.MultifunctionEndpointWithoutPeerToPeer(
                    "Solarflare",
                    Set.of(new PciIds(0x1924, 0x0903), new PciIds(0x1924, 0x0923), new PciIds(0x1924, 0x0a03))),
            new AcsQuirk.MultifunctionEndpointWithoutPeerToPeer(
                    "Intel NIC",
                    Set.of(
                            new PciIds(0x8086, 0x10c9),
                            new PciIds(0x8086, 0x10e6),
                            new PciIds(0x8086, 0x10e7),
                            new PciIds(0x8086, 0x10e8),
                            new PciIds(0x8086, 0x1521),
                            new PciIds(0x8086, 0x1522),
                            new PciIds(0x8086, 0x1523),
                            new PciIds(0x8086, 0x1524),
                            new PciIds(0x8086, 0x10fb))),
            new AcsQuirk.IntelPchRootPort(intelPchRootPorts()),
            new AcsQuirk.IntelRcIntegratedEndpoint());

    private AcsQuirks() {}

    /** The first quirk with an opinion about this function, and that opinion. */
    public record Opinion(AcsQuirk quirk, boolean isolated) {}

    /** Ibexpeak, Cougar Point, Panther Point, Lynx Point(-LP), Wildcat, Patsburg, Wellsburg, 9 series. */
    private static Set<Integer> intelPchRootPorts() {
        var ids = new HashSet<Integer>();
        addRange(ids, 0x3b42, 0x3b51, 1);
        addRange(ids, 0x1c10, 0x1c1f, 1);
        addRange(ids, 0x1e10, 0x1e1f, 1);
        addRange(ids, 0x8c10, 0x8c1f, 1);
        addRange(ids, 0x9c10, 0x9c1b, 1);
        addRange(ids, 0x9c90, 0x9c9b, 1);
        addRange(ids, 0x1d10, 0x1d1e, 2);
        addRange(ids, 0x8d10, 0x8d1e, 1);
        addRange(ids, 0x8c90, 0x8c9e, 2);
        return ids;
    }

    private static void addRange(Set<Integer> ids, int first, int last, int step) {
        for (int id = first; id <= last; id += step) ids.add(id);
    }

    public static Optional<Opinion> opinionOn(PciFunction function) {
        for (var quirk : TABLE) {
            var isolated = quirk.isolated(function);
            if (isolated.isPresent()) return Optional.of(new Opinion(quirk, isolated.get()));
        }
        return Optional.empty();
    }
}
