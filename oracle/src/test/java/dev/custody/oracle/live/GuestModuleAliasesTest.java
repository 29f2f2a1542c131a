package dev.custody.oracle.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.oracle.vm.GuestFile;
import dev.custody.topology.host.PciDriverAliases;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The guest's alias file gives each of the oracle's devices the built-in driver the kernel binds to it on
 * drivers_probe (the device's modalias as the guest's sysfs shows it), and the edu device none.
 */
class GuestModuleAliasesTest {
    private static PciDriverAliases aliases() {
        var reader = new BufferedReader(
                new InputStreamReader(new ByteArrayInputStream(GuestModuleAliases.text()), StandardCharsets.US_ASCII));
        return PciDriverAliases.parse(reader.lines());
    }

    @Test
    void eachOfTheOraclesDevicesMatchesItsNativeDriver() {
        PciDriverAliases aliases = aliases();
        assertEquals(Set.of("virtio_pci"), aliases.modulesFor("pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00"));
        assertEquals(Set.of("nvme"), aliases.modulesFor("pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02"));
        assertEquals(Set.of("e1000e"), aliases.modulesFor("pci:v00008086d000010D3sv00008086sd00000000bc02sc00i00"));
        assertEquals(Set.of("e1000"), aliases.modulesFor("pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00"));
        assertEquals(Set.of("ahci"), aliases.modulesFor("pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01"));
        assertEquals(Set.of(), aliases.modulesFor("pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00"), "edu");
    }

    @Test
    void theFileIsWhereTheEngineReadsAHostsForTheGuestsRelease() {
        List<String> paths = GuestModuleAliases.files("6.12.118").stream()
                .map(GuestFile::path)
                .toList();
        assertEquals(
                List.of("lib", "lib/modules", "lib/modules/6.12.118", "lib/modules/6.12.118/modules.builtin.alias"),
                paths);
    }
}
