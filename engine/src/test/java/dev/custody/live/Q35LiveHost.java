package dev.custody.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import dev.custody.scenario.ScenarioParser;
import dev.custody.topology.GroupDerivation;
import dev.custody.topology.GroupingPolicy;
import dev.custody.topology.host.HostGroups;
import dev.custody.topology.host.ScenarioTopologyFile;
import dev.custody.topology.sysfs.LiveSysfsFixture;
import java.io.IOException;
import java.nio.file.Path;

/** A q35 host as a live sysfs tree, and the model imported from it as {@code custody serve} imports a capture. */
final class Q35LiveHost {

    static final DeviceId E1000 = new DeviceId("0000:02:01.0");
    static final DeviceId VIRTIO_NET = new DeviceId("0000:02:02.0");
    static final DeviceId NVME = new DeviceId("0000:01:00.0");
    static final DeviceId AUDIO = new DeviceId("0000:00:1f.3"); // bound to nothing
    static final String E1000_ADDRESS = E1000.name();

    final Path root;
    final HostSysfs sysfs;

    private Q35LiveHost(Path root) {
        this.root = root;
        this.sysfs = new HostSysfs(root);
    }

    static Q35LiveHost q35(Path root) throws IOException {
        LiveSysfsFixture.write(root, LiveSysfsFixture.q35());
        return new Q35LiveHost(root);
    }

    /** The topology as imported from this tree (the kernel's groups, drivers as boot drivers). */
    Topology topology() {
        var pci = sysfs.topology().topology();
        var derived = GroupDerivation.derive(pci, GroupingPolicy.KERNEL);
        var file = ScenarioTopologyFile.of(pci, HostGroups.of(pci, derived, false), new ObjectMapper());
        return ScenarioTopologyFile.withUpstreamBridges(
                ScenarioParser.parse("live tree", file.toString()).topology(), pci);
    }

    /** The model after boot: it agrees with the tree as written. */
    KernelState bootedModel() {
        Decision boot = Kernel.boot(topology());
        if (!boot.outcome().isOk()) throw new IllegalStateException("boot failed: " + boot.outcome());
        return boot.state();
    }

    /** The model after the command, which must succeed. */
    static KernelState apply(KernelState state, Command<?> command) {
        Decision decision = Operations.decide(state, command);
        if (!decision.outcome().isOk()) {
            throw new AssertionError(command + " refused: " + decision.outcome());
        }
        return decision.state();
    }
}
