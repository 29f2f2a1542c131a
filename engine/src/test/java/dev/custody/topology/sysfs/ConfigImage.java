package dev.custody.topology.sysfs;

import dev.custody.topology.AcsFlag;
import dev.custody.topology.PciFunction;

/**
 * Builds the config space a function would show: the type 0/1 header, a PCI Express capability
 * at 0x40 for PCIe functions, and an ACS Extended Capability at 0x100 when the function has one.
 */
final class ConfigImage {

    private ConfigImage() {}

    static byte[] of(PciFunction f) {
        // PCIe functions expose the extended space (ECAM); conventional ones only the first 256 bytes.
        int size = f.isPcie() ? 4096 : 256;
        var bytes = new byte[size];
        put16(bytes, 0x00, f.ids().vendor());
        put16(bytes, 0x02, f.ids().device());
        put32(bytes, 0x08, f.classCode().value() << 8);
        bytes[0x0e] = (byte) (f.headerType().code() | (f.multifunctionBit() ? 0x80 : 0));
        f.bridgeBuses().ifPresent(r -> {
            bytes[0x18] = (byte) f.address().bus();
            bytes[0x19] = (byte) r.secondary();
            bytes[0x1a] = (byte) r.subordinate();
        });
        f.subsystem().ifPresent(s -> {
            put16(bytes, 0x2c, s.vendor());
            put16(bytes, 0x2e, s.device());
        });
        f.expressType().ifPresent(type -> {
            put16(bytes, 0x06, 0x10); // status: capability list present
            bytes[0x34] = 0x40;
            bytes[0x40] = 0x10; // PCI Express capability, last in the list
            put16(bytes, 0x42, 0x2 | type.code() << 4);
        });
        f.acs().ifPresent(acs -> {
            put32(bytes, 0x100, 0x000d | 1 << 16); // ACS, version 1, last in the list
            put16(bytes, 0x104, AcsFlag.toBits(acs.supported()));
            put16(bytes, 0x106, AcsFlag.toBits(acs.enabled()));
        });
        return bytes;
    }

    static void put16(byte[] bytes, int offset, int value) {
        bytes[offset] = (byte) value;
        bytes[offset + 1] = (byte) (value >> 8);
    }

    static void put32(byte[] bytes, int offset, int value) {
        put16(bytes, offset, value);
        put16(bytes, offset + 2, value >>> 16);
    }
}
