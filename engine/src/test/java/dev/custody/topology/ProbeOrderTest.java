package dev.custody.topology;

import static dev.custody.topology.Parts.pcieEndpoint;
import static dev.custody.topology.Parts.rootPortWithAcs;
import static dev.custody.topology.PciFunctionBuilder.function;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The scan adds a bus's functions before descending below each of its bridges in turn. */
class ProbeOrderTest {

    @Test
    void busFirstThenEachBridgeSubtreeInDevfnOrder() {
        var topology = PciTopology.of(List.of(
                rootPortWithAcs("00:02.0", 5),
                pcieEndpoint("05:00.0"),
                function("00:01.0", 1, 1)
                        .express(PciePortType.ROOT_PORT)
                        .bridge(1, 4)
                        .build(),
                function("01:00.0", 1, 2)
                        .express(PciePortType.SWITCH_UPSTREAM_PORT)
                        .bridge(2, 4)
                        .build(),
                function("02:00.0", 1, 3)
                        .express(PciePortType.SWITCH_DOWNSTREAM_PORT)
                        .bridge(3, 3)
                        .build(),
                function("02:01.0", 1, 3)
                        .express(PciePortType.SWITCH_DOWNSTREAM_PORT)
                        .bridge(4, 4)
                        .build(),
                pcieEndpoint("03:00.0"),
                pcieEndpoint("04:00.0"),
                pcieEndpoint("0000:80:00.0")));
        assertEquals(
                List.of(
                        "00:01.0", "00:02.0", "01:00.0", "02:00.0", "02:01.0", "03:00.0", "04:00.0", "05:00.0",
                        "80:00.0"),
                ProbeOrder.of(topology).stream()
                        .map(f -> f.address().shortName())
                        .toList());
    }
}
