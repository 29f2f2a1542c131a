package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class KernelCrashTest {

    @Test
    void theFirstBugLineAndTheTopOfItsTraceAreKept() {
        String console = """
                [    4.889595] list_del corruption. next->prev should be ff22c3bb41b12d40, but was ff22c3bb7bd43320.
                [    4.890206] kernel BUG at lib/list_debug.c:62!
                [    4.892619] Call Trace:
                [    4.892619]  <TASK>
                [    4.892619]  intel_iommu_attach_device+0x764/0x8c0
                [    4.892619]  __iommu_attach_device+0x1b/0x90
                [    4.892619]  vfio_container_attach_group+0x125/0x1b0 [vfio]
                [    4.892619]  </TASK>
                [    4.892619]  ignored_after_the_trace+0x1/0x2
                [    4.870596] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b
                """;
        assertEquals(
                List.of(
                        "list_del corruption. next->prev should be ff22c3bb41b12d40, but was ff22c3bb7bd43320.",
                        "intel_iommu_attach_device+0x764/0x8c0",
                        "__iommu_attach_device+0x1b/0x90",
                        "vfio_container_attach_group+0x125/0x1b0"),
                KernelCrash.summary(console));
    }

    @Test
    void aPanicWithoutATraceSaysWhereToLook() {
        assertEquals(List.of("see the console (Kernel panic)"), KernelCrash.summary("Kernel panic - not syncing\n"));
    }
}
