package dev.custody.nativeio.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.nativeio.libc.Libc;
import java.nio.file.Files;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against the real kernel: runs only where /dev/iommu exists and this user may open it. */
class IommufdDmaMapperTest {

    private static final long LENGTH = 2 * 4096;
    private static final int EEXIST = 17;

    @BeforeEach
    void needsDevIommu() {
        Assumptions.assumeTrue(
                Files.exists(DmaBackend.DEV_IOMMU),
                "SKIPPED: /dev/iommu does not exist on this machine (no iommufd); the real-kernel backend was not exercised");
        Assumptions.assumeTrue(
                Files.isReadable(DmaBackend.DEV_IOMMU) && Files.isWritable(DmaBackend.DEV_IOMMU),
                "SKIPPED: /dev/iommu exists but this user cannot open it read-write");
    }

    @Test
    void mapsUnmapsAndReportsRangesOnTheHostKernel() {
        long buffer = Libc.mmap(LENGTH, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        assertTrue(buffer > 0, "mmap " + buffer);
        try (IommufdDmaMapper mapper = IommufdDmaMapper.open(DmaBackend.DEV_IOMMU)) {
            assertFalse(mapper.iovaRanges().isEmpty(), "a fresh IOAS allows some iova");
            long iova = 0x10_0000;
            assertEquals(0, mapper.map(iova, buffer, LENGTH, true, true));
            assertEquals(-EEXIST, mapper.map(iova, buffer, 4096, true, false));
            assertEquals(LENGTH, mapper.unmap(iova, LENGTH));
        } finally {
            assertEquals(0, Libc.munmap(buffer, LENGTH));
        }
    }
}
