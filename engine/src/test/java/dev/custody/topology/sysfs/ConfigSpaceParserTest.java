package dev.custody.topology.sysfs;

import static dev.custody.topology.sysfs.ConfigImage.put16;
import static dev.custody.topology.sysfs.ConfigImage.put32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.topology.AcsCapability;
import dev.custody.topology.AcsFlag;
import dev.custody.topology.BusRange;
import dev.custody.topology.HeaderType;
import dev.custody.topology.PciIds;
import dev.custody.topology.PciePortType;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Capabilities found further down their lists, as real devices place them. */
class ConfigSpaceParserTest {

    private static final Path FILE = Path.of("0000:00:1c.0", "config");

    /** A downstream port: PM at 0x40 -> MSI at 0x50 -> PCIe at 0x60; AER at 0x100 -> ACS at 0x140. */
    private static byte[] downstreamPort() {
        var b = new byte[4096];
        put16(b, 0x00, 0x10b5);
        put16(b, 0x02, 0x8747);
        put16(b, 0x06, 0x10);
        put32(b, 0x08, 0x060400 << 8);
        b[0x0e] = (byte) 0x81;
        b[0x18] = 0x02;
        b[0x19] = 0x03;
        b[0x1a] = 0x05;
        b[0x34] = 0x40;
        b[0x40] = 0x01;
        b[0x41] = 0x50;
        b[0x50] = 0x05;
        b[0x51] = 0x60;
        b[0x60] = 0x10;
        put16(b, 0x62, 0x0062);
        put32(b, 0x100, 0x0001 | 2 << 16 | 0x140 << 20);
        put32(b, 0x140, 0x000d | 1 << 16);
        put16(b, 0x144, 0x005f);
        put16(b, 0x146, 0x001d);
        return b;
    }

    @Test
    void findsCapabilitiesAnywhereInTheirLists() {
        var parsed = ConfigSpaceParser.parse(FILE, downstreamPort());
        assertEquals(new PciIds(0x10b5, 0x8747), parsed.ids());
        assertEquals(HeaderType.PCI_BRIDGE, parsed.headerType());
        assertTrue(parsed.multifunctionBit());
        assertEquals(Optional.of(new BusRange(3, 5)), parsed.bridgeBuses());
        assertEquals(Optional.of(PciePortType.SWITCH_DOWNSTREAM_PORT), parsed.expressType());
        var acs = parsed.acs().orElseThrow();
        assertEquals(Set.of(AcsFlag.SV, AcsFlag.TB, AcsFlag.RR, AcsFlag.CR, AcsFlag.UF, AcsFlag.DT), acs.supported());
        assertEquals(Set.of(AcsFlag.SV, AcsFlag.RR, AcsFlag.CR, AcsFlag.UF), acs.enabled());
        assertTrue(acs.allEnabled(AcsFlag.REQUIRED_FOR_ISOLATION));
    }

    @Test
    void aCleanExtendedSpaceMeansNoAcs() {
        var b = downstreamPort();
        put32(b, 0x100, 0);
        assertEquals(
                Optional.<AcsCapability>empty(),
                ConfigSpaceParser.parse(FILE, b).acs());
    }

    @Test
    void aShortCaptureSaysWhatItLacks() {
        var parsed = ConfigSpaceParser.parse(FILE, java.util.Arrays.copyOf(downstreamPort(), 256));
        assertTrue(parsed.capabilitiesCaptured());
        assertFalse(parsed.extendedCaptured());
        assertEquals(Optional.of(PciePortType.SWITCH_DOWNSTREAM_PORT), parsed.expressType());
        assertEquals(Optional.<AcsCapability>empty(), parsed.acs());
    }
}
