package dev.custody.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PciAddressTest {

    @ParameterizedTest
    @CsvSource({"0000:00:03.1, 0, 0, 3, 1, 0x19", "00:1f.3, 0, 0, 31, 3, 0xfb", "0001:80:00.0, 1, 128, 0, 0, 0x00"})
    void parses(String text, int segment, int bus, int device, int function, String devfn) {
        var address = PciAddress.parse(text);
        assertEquals(new PciAddress(segment, bus, device, function), address);
        assertEquals(Integer.decode(devfn), address.devfn());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00:03", "00:03.8", "00:20.0", "0000:100:00.0", "xx:00.0"})
    void rejects(String text) {
        assertThrows(IllegalArgumentException.class, () -> PciAddress.parse(text));
    }

    @ParameterizedTest
    @CsvSource({"00:03.1, 00:04.0", "00:1f.3, 01:00.0", "0000:ff:1f.7, 0001:00:00.0"})
    void ordersByBusThenDevfn(String lower, String higher) {
        assertTrue(PciAddress.parse(lower).compareTo(PciAddress.parse(higher)) < 0);
    }

    @ParameterizedTest
    @CsvSource({"0000:00:03.1, 0000:00:03.1, 00:03.1, 00:03"})
    void prints(String text, String full, String shortName, String slot) {
        var address = PciAddress.parse(text);
        assertEquals(full, address.toString());
        assertEquals(shortName, address.shortName());
        assertEquals(slot, address.slotName());
    }
}
