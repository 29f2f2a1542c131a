package dev.custody.topology.sysfs;

import static dev.custody.topology.PciFunctionBuilder.function;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.topology.AcsCapability;
import dev.custody.topology.GroupDerivation;
import dev.custody.topology.PciAddress;
import dev.custody.topology.PciFunction;
import dev.custody.topology.PciePortType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SR-IOV virtual functions in a capture: a {@code physfn} entry marks one, and the kernel never
 * counts a virtual function as multifunction (pci_iov_add_virtfn), so virtual functions without
 * ACS that share a slot with their physical function still get groups of their own.
 */
class VirtualFunctionCaptureTest {

    /** Ids no quirk table names, so that only the functions' own capabilities decide. */
    private static final int VENDOR = 0x1b36;

    private static final int PF = 0x0100;
    private static final int VF = 0x0101;

    @TempDir
    Path capture;

    private static List<PciFunction> physicalFunctionWithTwoVirtualFunctions() {
        return List.of(
                function("00:1c.0", VENDOR, 0x000c)
                        .express(PciePortType.ROOT_PORT)
                        .acs(AcsCapability.isolating())
                        .bridge(1, 1)
                        .build(),
                function("01:00.0", VENDOR, PF).express(PciePortType.ENDPOINT).build(),
                function("01:00.1", VENDOR, VF)
                        .express(PciePortType.ENDPOINT)
                        .virtualFunction()
                        .build(),
                function("01:00.2", VENDOR, VF)
                        .express(PciePortType.ENDPOINT)
                        .virtualFunction()
                        .build());
    }

    @Test
    void aPhysfnEntryMarksAVirtualFunctionThatStandsInAGroupOfItsOwn() throws IOException {
        CaptureFixture.write(capture, physicalFunctionWithTwoVirtualFunctions());
        var topology = SysfsCapture.read(capture).topology();
        var vf = topology.require(PciAddress.parse("01:00.1"));
        assertTrue(vf.virtualFunction());
        assertFalse(vf.isMultifunction());
        assertFalse(topology.require(PciAddress.parse("01:00.0")).virtualFunction());
        var groups = GroupDerivation.derive(topology);
        assertEquals(4, groups.groups().size(), groups.explain());
    }

    @Test
    void withoutThePhysfnEntryTheTwoFunctionsShareAGroup() throws IOException {
        CaptureFixture.write(capture, physicalFunctionWithTwoVirtualFunctions());
        Files.delete(capture.resolve("0000:01:00.1").resolve(SysfsCapture.PHYSFN));
        Files.delete(capture.resolve("0000:01:00.2").resolve(SysfsCapture.PHYSFN));
        var topology = SysfsCapture.read(capture).topology();
        var groups = GroupDerivation.derive(topology);
        // Read as ordinary functions 1 and 2 of a slot without ACS they join each other; the
        // physical function, a single-function endpoint to the ACS check, stays alone.
        var second = groups.member(PciAddress.parse("01:00.2")).orElseThrow();
        assertTrue(
                second.reasonTexts().stream()
                        .anyMatch(r -> r.contains("multifunction slot 01:00 without ACS (with 01:00.1)")),
                second.reasonTexts()::toString);
        assertEquals(3, groups.groups().size(), groups.explain());
    }
}
