package dev.custody.topology.sysfs;

import dev.custody.topology.AcsCapability;
import dev.custody.topology.BusRange;
import dev.custody.topology.ClassCode;
import dev.custody.topology.HeaderType;
import dev.custody.topology.PciIds;
import dev.custody.topology.PciePortType;
import java.util.Optional;

/**
 * What group formation needs from one function's config space.
 *
 * @param capabilitiesCaptured false when the capture holds only the 64-byte header that
 *                             unprivileged readers get, so PCIe and ACS capabilities are unknown
 * @param extendedCaptured     false when the capture ends before the extended space (0x100)
 */
public record ParsedConfig(
        PciIds ids,
        ClassCode classCode,
        HeaderType headerType,
        boolean multifunctionBit,
        Optional<BusRange> bridgeBuses,
        Optional<PciIds> subsystem,
        Optional<PciePortType> expressType,
        Optional<AcsCapability> acs,
        boolean capabilitiesCaptured,
        boolean extendedCaptured) {}
