package dev.custody.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live mode refuses to start without root (unless it only dry-runs) and on a host without an IOMMU. */
class LivePreconditionsTest {
    @TempDir
    Path dev;

    @Test
    void withoutRootOnlyADryRunStarts() throws Exception {
        Files.createFile(dev.resolve("iommu"));
        String refused = LivePreconditions.refusal(false, dev, 1000).orElseThrow();
        assertTrue(refused.contains("needs root: this process runs as uid 1000"), refused);
        assertEquals(Optional.empty(), LivePreconditions.refusal(true, dev, 1000));
        assertEquals(Optional.empty(), LivePreconditions.refusal(false, dev, 0));
    }

    @Test
    void aHostWithoutIommufdOrVfioIsRefusedEvenForADryRun() throws Exception {
        String refused = LivePreconditions.refusal(true, dev, 0).orElseThrow();
        assertTrue(refused.contains("neither " + dev.resolve("iommu") + " nor " + dev.resolve("vfio/vfio")), refused);
        Files.createDirectories(dev.resolve("vfio"));
        Files.createFile(dev.resolve("vfio/vfio"));
        assertEquals(Optional.empty(), LivePreconditions.refusal(false, dev, 0), "VFIO's container is enough");
    }

    @Test
    void thisProcessKnowsItsUid() throws Exception {
        assertTrue(LivePreconditions.effectiveUid() >= 0);
    }
}
