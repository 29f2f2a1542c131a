package dev.custody.cli;

import picocli.CommandLine.Command;

/** {@code custody topology ...}: PCI hierarchies, the IOMMU groups they form, and guest layouts. */
@Command(name = "topology", mixinStandardHelpOptions = true,
        header = "Derive IOMMU groups from a PCI hierarchy, compare with the kernel, plan a guest.",
        description = {"Capture a host's PCI devices, derive IOMMU groups as the kernel does, compare them with",
                "the kernel's, show why each group formed, and plan a guest layout for assigned groups.",
                "Exit 0 ok, 1 differences found or plan refused, 2 bad input."},
        subcommands = {TopologyCapture.class, TopologyImport.class, TopologyShow.class, TopologyPlanGuest.class})
public final class TopologyCommand {

    static final int OK = 0;
    static final int DIFFERENCES_OR_REFUSED = 1;
    static final int BAD_INPUT = 2;

    /** Where a live host lists its PCI functions. */
    static final String LIVE_DEVICES = "/sys/bus/pci/devices";
}
