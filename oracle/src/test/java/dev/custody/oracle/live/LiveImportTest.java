package dev.custody.oracle.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.live.HostSysfs;
import dev.custody.model.DeviceId;
import dev.custody.model.Topology;
import dev.custody.topology.sysfs.LiveSysfsFixture;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest's topology as the live runs import it, as {@code serve --host} does: with each bus's bridge. */
class LiveImportTest {
    @TempDir
    Path root;

    @Test
    void aDeviceBehindARootPortIsImportedWithItAsItsUpstreamBridge() throws Exception {
        LiveSysfsFixture.write(root, LiveSysfsFixture.q35());

        Topology imported = LiveSelfCheck.imported(new HostSysfs(root));

        assertEquals(
                Optional.of(new DeviceId("0000:00:02.0")),
                imported.device(new DeviceId("0000:01:00.0")).upstreamBridge());
        assertEquals(
                Optional.empty(), imported.device(new DeviceId("0000:00:03.0")).upstreamBridge());
    }
}
