package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitramfsTest {
    @TempDir
    Path dir;

    @Test
    void cpioRoundTripKeepsNamesModesDevicesAndOddSizedData() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CpioWriter cpio = new CpioWriter(bytes)) {
            cpio.directory("dev", 0755);
            cpio.charDevice("dev/console", 0600, 5, 1);
            cpio.file("init", 0755, new byte[] {1, 2, 3});
            cpio.file("a/longer-name.txt", 0644, "five!".getBytes(StandardCharsets.UTF_8));
            cpio.file("empty", 0644, new byte[0]);
        }
        List<CpioReader.Entry> entries = CpioReader.read(bytes.toByteArray());
        assertEquals(
                List.of("dev", "dev/console", "init", "a/longer-name.txt", "empty"),
                entries.stream().map(CpioReader.Entry::name).toList());
        assertEquals(0040755, entries.get(0).mode());
        assertEquals(0020600, entries.get(1).mode());
        assertEquals(5, entries.get(1).rdevMajor());
        assertEquals(1, entries.get(1).rdevMinor());
        assertEquals(0100755, entries.get(2).mode());
        assertArrayEquals(new byte[] {1, 2, 3}, entries.get(2).data());
        assertEquals("five!", entries.get(3).text());
        assertEquals(0, entries.get(4).data().length);
        assertEquals(0, bytes.size() % 4, "newc entries are 4-byte aligned");
    }

    @Test
    void initramfsCarriesAgentScriptAndModulesInLoadOrder() throws Exception {
        Path agent = Files.write(dir.resolve("agent"), new byte[] {0x7f, 'E', 'L', 'F'});
        Path modules = dir.resolve("lib/modules/9.9.9");
        Files.createDirectories(modules.resolve("kernel/drivers/vfio/pci"));
        Files.writeString(modules.resolve("kernel/drivers/vfio/vfio.ko"), "vfio");
        Files.writeString(modules.resolve("kernel/drivers/vfio/pci/vfio-pci-core.ko"), "core");
        Files.writeString(modules.resolve("kernel/drivers/vfio/pci/vfio-pci.ko"), "pci");
        Files.writeString(modules.resolve("modules.dep"), """
                kernel/drivers/vfio/vfio.ko:
                kernel/drivers/vfio/pci/vfio-pci-core.ko: kernel/drivers/vfio/vfio.ko
                kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/pci/vfio-pci-core.ko kernel/drivers/vfio/vfio.ko
                """);
        Files.writeString(modules.resolve("modules.builtin"), "kernel/drivers/pci/pci-stub.ko\n");
        Path out = dir.resolve("initramfs.cpio");

        ModuleOrder.Plan plan = Initramfs.write(out, agent, "open 0000:00:03.0\n", Optional.of(modules));

        assertEquals(List.of("pci-stub"), plan.builtin());
        assertTrue(plan.missing().contains("nvme"), plan.toString());
        Map<String, CpioReader.Entry> entries = CpioReader.read(Files.readAllBytes(out)).stream()
                .collect(Collectors.toMap(CpioReader.Entry::name, Function.identity()));
        for (String d : List.of("dev", "proc", "sys", "modules")) {
            assertEquals(0040755, entries.get(d).mode(), d);
        }
        assertEquals(0100755, entries.get("init").mode());
        assertArrayEquals(Files.readAllBytes(agent), entries.get("init").data());
        assertEquals("open 0000:00:03.0\n", entries.get("script").text());
        assertEquals(
                "/modules/vfio.ko\n/modules/vfio-pci-core.ko\n/modules/vfio-pci.ko\n",
                entries.get("modules/order").text());
        assertEquals("core", entries.get("modules/vfio-pci-core.ko").text());
    }

    @Test
    void aKernelWithoutModulesGetsAnEmptyOrderAndCpioListsTheArchive() throws Exception {
        assertTrue(
                VirtualMachine.locate("cpio").isPresent(),
                "cpio is not installed (Debian's cpio; ./test installs it when run as root)");
        Path agent = Files.write(dir.resolve("agent"), new byte[] {1});
        Path out = dir.resolve("initramfs.cpio");
        Initramfs.write(out, agent, "", Optional.empty());
        String listing = Commands.check(List.of("cpio", "-t", "-F", out.toString()), dir, Duration.ofSeconds(30));
        assertEquals(
                List.of("dev", "proc", "sys", "modules", "dev/console", "init", "script", "modules/order"),
                listing.lines().toList());
        String verbose = Commands.check(List.of("cpio", "-tv", "-F", out.toString()), dir, Duration.ofSeconds(30));
        assertTrue(verbose.lines().anyMatch(l -> l.startsWith("-rwxr-xr-x") && l.endsWith(" init")), verbose);
        assertTrue(verbose.lines().anyMatch(l -> l.startsWith("crw-------") && l.endsWith(" dev/console")), verbose);
        assertEquals(
                "",
                CpioReader.read(Files.readAllBytes(out)).stream()
                        .filter(e -> e.name().equals("modules/order"))
                        .findFirst()
                        .orElseThrow()
                        .text());
    }
}
