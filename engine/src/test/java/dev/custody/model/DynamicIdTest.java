package dev.custody.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** pci_match_one_device, against a device of which only the vendor and device id are known. */
class DynamicIdTest {
    private static final PciDeviceIds NIC = PciDeviceIds.parse("8086:10d3");

    @Test
    void vendorAndDeviceMatchExactlyOrAsPciAnyId() {
        assertTrue(id(0x8086, 0x10d3, DynamicId.ANY, DynamicId.ANY, 0).matches(NIC));
        assertTrue(id(DynamicId.ANY, DynamicId.ANY, DynamicId.ANY, DynamicId.ANY, 0)
                .matches(NIC));
        assertFalse(id(0x8086, 0x10d4, DynamicId.ANY, DynamicId.ANY, 0).matches(NIC));
        assertFalse(id(0xffff, 0x10d3, DynamicId.ANY, DynamicId.ANY, 0).matches(NIC));
    }

    @Test
    void anIdNamingASubsystemOrAClassMatchesNoDeviceWhoseThoseAreUnknown() {
        assertFalse(id(0x8086, 0x10d3, 0x8086, DynamicId.ANY, 0).matches(NIC));
        assertFalse(id(0x8086, 0x10d3, DynamicId.ANY, DynamicId.ANY, 0xff0000).matches(NIC));
    }

    @Test
    void againstAWholeDeviceTheClassIsComparedUnderTheMask() {
        DynamicId network = id(DynamicId.ANY, DynamicId.ANY, DynamicId.ANY, DynamicId.ANY, 0xff0000);
        assertTrue(network.matches(0x8086, 0x10d3, 1, 2, 0x020000));
        assertFalse(network.matches(0x8086, 0x10d3, 1, 2, 0x010802));
    }

    @Test
    void idsAreReadAsLspciPrintsThem() {
        assertThrows(IllegalArgumentException.class, () -> PciDeviceIds.parse("8086"));
        assertThrows(IllegalArgumentException.class, () -> PciDeviceIds.parse("18086:10d3"));
        assertThrows(IllegalArgumentException.class, () -> PciDeviceIds.parse("80g6:10d3"));
    }

    private static DynamicId id(int vendor, int device, int subvendor, int subdevice, int classMask) {
        return new DynamicId(vendor, device, subvendor, subdevice, 0x020000, classMask, 0);
    }
}
