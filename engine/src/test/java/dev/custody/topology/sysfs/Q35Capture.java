package dev.custody.topology.sysfs;

import dev.custody.topology.PciFunction;
import dev.custody.topology.PciFunctionBuilder;
import dev.custody.topology.Q35Layout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The q35 guest as a sysfs capture: the layout plus the drivers Linux binds and the group
 * memberships the kernel formed. The group numbers are this engine's allocation order.
 * Running {@link #main} regenerates the committed fixture.
 */
final class Q35Capture {

    static final String RESOURCE = "/topology/q35-capture";

    private static final Map<String, String> DRIVERS = Map.of(
            "00:02.0",
            "pcieport",
            "00:05.0",
            "pcieport",
            "01:00.0",
            "nvme",
            "00:03.0",
            "virtio-pci",
            "00:03.1",
            "nvme",
            "02:01.0",
            "e1000",
            "02:02.0",
            "virtio-pci",
            "03:00.0",
            "e1000e",
            "00:1f.0",
            "lpc_ich",
            "00:1f.2",
            "ahci");

    private static final Map<String, Integer> GROUPS = Map.ofEntries(
            Map.entry("00:00.0", 0),
            Map.entry("00:02.0", 1),
            Map.entry("00:03.0", 2),
            Map.entry("00:03.1", 2),
            Map.entry("00:04.0", 3),
            Map.entry("02:01.0", 3),
            Map.entry("02:02.0", 3),
            Map.entry("00:05.0", 4),
            Map.entry("00:1f.0", 5),
            Map.entry("00:1f.2", 5),
            Map.entry("00:1f.3", 5),
            Map.entry("01:00.0", 6),
            Map.entry("03:00.0", 7));

    private Q35Capture() {}

    static List<PciFunction> functions() {
        return Q35Layout.functions().stream().map(Q35Capture::withHostState).toList();
    }

    private static PciFunction withHostState(PciFunction f) {
        var name = f.address().shortName();
        var b = PciFunctionBuilder.from(f).reportedGroup(GROUPS.get(name));
        if (DRIVERS.containsKey(name)) b.driver(DRIVERS.get(name));
        return b.build();
    }

    public static void main(String[] args) throws IOException {
        CaptureFixture.write(Path.of(args[0]), functions());
    }
}
