package dev.custody.topology.sysfs;

import dev.custody.topology.AcsCapability;
import dev.custody.topology.BusRange;
import dev.custody.topology.ClassCode;
import dev.custody.topology.HeaderType;
import dev.custody.topology.PciIds;
import dev.custody.topology.PciePortType;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;

/**
 * Reads the fields group formation (pci_device_group) depends on from a binary config space image as sysfs
 * hands it out: the type 0/1 header, the PCI Express capability's device/port type, and the ACS
 * Extended Capability. Little-endian, offsets per the PCI and PCIe base specifications.
 */
public final class ConfigSpaceParser {

    static final int HEADER_BYTES = 64;
    static final int EXTENDED_START = 0x100;
    static final int MAX_BYTES = 4096;
    static final int CAP_ID_EXPRESS = 0x10;
    static final int EXT_CAP_ID_ACS = 0x000d;

    private final Path file;
    private final byte[] bytes;

    private ConfigSpaceParser(Path file, byte[] bytes) {
        this.file = file;
        this.bytes = bytes;
    }

    public static ParsedConfig parse(Path file, byte[] bytes) {
        return new ConfigSpaceParser(file, bytes).parse();
    }

    private ParsedConfig parse() {
        if (bytes.length < HEADER_BYTES) {
            throw fault("header", "%d bytes, the header alone needs %d".formatted(bytes.length, HEADER_BYTES));
        }
        if (bytes.length > MAX_BYTES) {
            throw fault("size", "%d bytes, config space is at most %d".formatted(bytes.length, MAX_BYTES));
        }
        var ids = new PciIds(word(0x00), word(0x02));
        if (ids.vendor() == 0xffff) throw fault("vendor id", "0xffff (no device answered)");
        var classCode = new ClassCode(dword(0x08) >>> 8);
        int headerByte = u8(0x0e);
        var headerType = headerType(headerByte & 0x7f);
        var bridgeBuses = headerType == HeaderType.PCI_BRIDGE ? Optional.of(busRange()) : Optional.<BusRange>empty();
        // A zero subsystem vendor means the board sets none.
        var subsystem = headerType == HeaderType.NORMAL && word(0x2c) != 0
                ? Optional.of(new PciIds(word(0x2c), word(0x2e)))
                : Optional.<PciIds>empty();
        boolean capabilitiesCaptured = bytes.length > HEADER_BYTES;
        boolean extendedCaptured = bytes.length > EXTENDED_START;
        var express = capabilitiesCaptured ? expressType(headerType) : Optional.<PciePortType>empty();
        var acs = extendedCaptured && express.isPresent() ? acs() : Optional.<AcsCapability>empty();
        return new ParsedConfig(
                ids,
                classCode,
                headerType,
                (headerByte & 0x80) != 0,
                bridgeBuses,
                subsystem,
                express,
                acs,
                capabilitiesCaptured,
                extendedCaptured);
    }

    private HeaderType headerType(int code) {
        try {
            return HeaderType.fromCode(code);
        } catch (IllegalArgumentException e) {
            throw fault("header type", "unknown layout %d".formatted(code));
        }
    }

    private BusRange busRange() {
        int secondary = u8(0x19);
        int subordinate = u8(0x1a);
        try {
            return new BusRange(secondary, subordinate);
        } catch (IllegalArgumentException e) {
            throw fault("secondary/subordinate bus", e.getMessage());
        }
    }

    /** Walks the capability list (status bit 4 says there is one) for the PCI Express capability. */
    private Optional<PciePortType> expressType(HeaderType headerType) {
        boolean hasList = (word(0x06) & 0x10) != 0;
        if (!hasList) return Optional.empty();
        int pointer = u8(headerType == HeaderType.CARDBUS_BRIDGE ? 0x14 : 0x34) & 0xfc;
        var seen = new HashSet<Integer>();
        while (pointer != 0) {
            if (pointer < HEADER_BYTES || pointer + 4 > Math.min(bytes.length, EXTENDED_START)) {
                throw fault("capability list", "pointer 0x%02x outside the capability area".formatted(pointer));
            }
            if (!seen.add(pointer)) throw fault("capability list", "loops back to 0x%02x".formatted(pointer));
            if (u8(pointer) == CAP_ID_EXPRESS) {
                int type = word(pointer + 2) >> 4 & 0xf;
                return Optional.of(PciePortType.fromCode(type)
                        .orElseThrow(
                                () -> fault("PCIe capability device/port type", "unknown type %d".formatted(type))));
            }
            pointer = u8(pointer + 1) & 0xfc;
        }
        return Optional.empty();
    }

    /** Walks the extended capability list from 0x100 for ACS (ID 0x000D): capability and control words. */
    private Optional<AcsCapability> acs() {
        int position = EXTENDED_START;
        var seen = new HashSet<Integer>();
        while (position != 0) {
            if (position < EXTENDED_START || position + 8 > bytes.length) {
                throw fault("extended capability list", "offset 0x%03x outside the captured space".formatted(position));
            }
            if (!seen.add(position)) {
                throw fault("extended capability list", "loops back to 0x%03x".formatted(position));
            }
            int header = dword(position);
            if (header == 0 || header == -1) return Optional.empty();
            if ((header & 0xffff) == EXT_CAP_ID_ACS) {
                return Optional.of(AcsCapability.fromRegisters(word(position + 4), word(position + 6)));
            }
            position = header >>> 20 & 0xffc;
        }
        return Optional.empty();
    }

    private int u8(int offset) {
        return bytes[offset] & 0xff;
    }

    private int word(int offset) {
        return u8(offset) | u8(offset + 1) << 8;
    }

    private int dword(int offset) {
        return word(offset) | word(offset + 2) << 16;
    }

    private MalformedCaptureException fault(String field, String problem) {
        return new MalformedCaptureException(file, field, problem);
    }
}
