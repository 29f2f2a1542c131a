package dev.custody.topology;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The device-specific ACS quirk table, first opinion wins (spec 6). A representative subset. */
public final class AcsQuirks {

    public static final List<AcsQuirk> TABLE = List.of(
            new AcsQuirk.MultifunctionEndpointWithoutPeerToPeer("Solarflare", Set.of(
                    new PciIds(0x1924, 0x0903), new PciIds(0x1924, 0x0923), new PciIds(0x1924, 0x0a03))),
            new AcsQuirk.MultifunctionEndpointWithoutPeerToPeer("Intel NIC", Set.of(
                    new PciIds(0x8086, 0x10c9), new PciIds(0x8086, 0x10e6), new PciIds(0x8086, 0x10e7),
                    new PciIds(0x8086, 0x10e8), new PciIds(0x8086, 0x1521), new PciIds(0x8086, 0x1522),
                    new PciIds(0x8086, 0x1523), new PciIds(0x8086, 0x1524), new PciIds(0x8086, 0x10fb))),
            new AcsQuirk.IntelRcIntegratedEndpoint());

    private AcsQuirks() {}

    /** The first quirk with an opinion about this function, and that opinion. */
    public record Opinion(AcsQuirk quirk, boolean isolated) {}

    public static Optional<Opinion> opinionOn(PciFunction function) {
        for (var quirk : TABLE) {
            var isolated = quirk.isolated(function);
            if (isolated.isPresent()) return Optional.of(new Opinion(quirk, isolated.get()));
        }
        return Optional.empty();
    }
}
