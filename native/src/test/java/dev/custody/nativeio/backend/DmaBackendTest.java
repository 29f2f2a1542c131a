package dev.custody.nativeio.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.nativeio.pagetable.PageSizeBitmap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DmaBackendTest {

    @Test
    void prefersIommufdExactlyWhenTheDeviceNodeExists(@TempDir Path dir) throws IOException {
        assertEquals(DmaBackend.SOFT, DmaBackend.preferred(dir.resolve("iommu")));
        assertEquals(DmaBackend.IOMMUFD, DmaBackend.preferred(Files.createFile(dir.resolve("iommu"))));
        assertEquals(
                Files.exists(Path.of("/dev/iommu")) ? DmaBackend.IOMMUFD : DmaBackend.SOFT, DmaBackend.preferred());
    }

    @Test
    void softBackendReportsKernelStyleResults() {
        try (DmaMapper soft = DmaBackend.SOFT.open(PageSizeBitmap.ALL, 48)) {
            assertEquals(DmaBackend.SOFT, soft.backend());
            assertEquals(0, soft.map(0x20_0000, 0x4000_0000L, 0x20_0000, true, true));
            assertEquals(-17, soft.map(0x20_0000, 0x5000_0000L, 0x1000, true, false), "EEXIST");
            assertEquals(-22, soft.map(0x1001, 0, 0x1000, true, false), "EINVAL");
            assertEquals(0x4000_0123L, ((SoftDmaMapper) soft).table().iovaToPhys(0x20_0123));
            assertEquals(0x20_0000, soft.unmap(0x20_0000, 0x1000), "a 2M leaf goes whole");
            assertEquals(1, ((SoftDmaMapper) soft).table().allocatedTablePages());
        }
    }

    @Test
    void iommufdOnADeviceThatIsNotIommufdFailsWithTheErrnoAndLeaksNoFd() {
        // /dev/null accepts open but not iommufd's requests: IOMMU_IOAS_ALLOC reaches the kernel
        // through the real downcall and comes back ENOTTY.
        IllegalStateException refused =
                assertThrows(IllegalStateException.class, () -> IommufdDmaMapper.open(Path.of("/dev/null")));
        assertTrue(refused.getMessage().contains("errno 25"), refused.getMessage());
        IllegalStateException missing = assertThrows(
                IllegalStateException.class, () -> IommufdDmaMapper.open(Path.of("/nonexistent-custody-test/iommu")));
        assertTrue(missing.getMessage().contains("errno 2"), missing.getMessage());
    }
}
