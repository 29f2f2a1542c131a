package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModuleOrderTest {
    @TempDir
    Path dir;

    @Test
    void dependenciesLoadFirstEachOnceWithDashAndUnderscoreEqual() throws Exception {
        Files.writeString(dir.resolve("modules.dep"), """
                kernel/virt/lib/irqbypass.ko:
                kernel/drivers/vfio/vfio.ko:
                kernel/drivers/vfio/vfio_virqfd.ko: kernel/drivers/vfio/vfio.ko
                kernel/drivers/vfio/pci/vfio-pci-core.ko: kernel/drivers/vfio/vfio_virqfd.ko kernel/drivers/vfio/vfio.ko kernel/virt/lib/irqbypass.ko
                kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/pci/vfio-pci-core.ko kernel/drivers/vfio/vfio_virqfd.ko kernel/drivers/vfio/vfio.ko kernel/virt/lib/irqbypass.ko
                kernel/drivers/virtio/virtio.ko:
                kernel/drivers/char/hw_random/virtio-rng.ko: kernel/drivers/virtio/virtio.ko
                """);
        Files.writeString(dir.resolve("modules.builtin"), "kernel/drivers/pci/pci-stub.ko\n");

        ModuleOrder.Plan plan = ModuleOrder.resolve(dir, List.of("vfio_pci", "virtio_rng", "vfio", "pci_stub", "ahci"));

        assertEquals(
                List.of(
                        "kernel/virt/lib/irqbypass.ko",
                        "kernel/drivers/vfio/vfio.ko",
                        "kernel/drivers/vfio/vfio_virqfd.ko",
                        "kernel/drivers/vfio/pci/vfio-pci-core.ko",
                        "kernel/drivers/vfio/pci/vfio-pci.ko",
                        "kernel/drivers/virtio/virtio.ko",
                        "kernel/drivers/char/hw_random/virtio-rng.ko"),
                plan.load());
        assertEquals(List.of("pci_stub"), plan.builtin());
        assertEquals(List.of("ahci"), plan.missing());
    }

    @Test
    void aCycleIsReportedNotLooped() throws Exception {
        Files.writeString(dir.resolve("modules.dep"), "a.ko: b.ko\nb.ko: a.ko\n");
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> ModuleOrder.resolve(dir, List.of("a")));
        assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    }

    @Test
    @Tag("oracle-vm")
    void theInstalledDebianKernelHasEveryAgentModuleAndOrdersVfioBeforeVfioPci() {
        KernelCatalog catalog = new KernelCatalog(
                Path.of("/boot"),
                Path.of("/lib/modules"),
                new IommufdKernel(dir, dir.resolve("none.tar.xz"), dir, java.util.Optional.empty()));
        List<Kernel> kernels = catalog.distributionKernels();
        assertTrue(
                !kernels.isEmpty(),
                "no /boot/vmlinuz-* with /lib/modules here (Debian's linux-image-amd64; scripts/oracle-ci.sh installs it)");
        Path modules = kernels.getFirst().modulesDir().orElseThrow();
        ModuleOrder.Plan plan = ModuleOrder.resolve(modules, Initramfs.AGENT_MODULES);
        assertEquals(List.of(), plan.missing(), plan.toString());
        List<String> names = plan.load().stream().map(ModuleOrder::normalise).toList();
        assertTrue(names.indexOf("vfio") < names.indexOf("vfio_pci_core"), names.toString());
        assertTrue(names.indexOf("vfio_pci_core") < names.indexOf("vfio_pci"), names.toString());
        for (String path : plan.load()) {
            assertTrue(Files.isRegularFile(modules.resolve(path)), path);
        }
    }
}
