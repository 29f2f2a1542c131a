package dev.custody.cli;

import dev.custody.topology.host.HostInputException;
import dev.custody.topology.sysfs.MalformedCaptureException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code custody topology ...}: PCI hierarchies, the IOMMU groups they form, and guest layouts. */
@Command(
        name = "topology",
        mixinStandardHelpOptions = true,
        header = "Derive IOMMU groups from a PCI hierarchy, compare with the kernel, plan a guest.",
        description = {
            "Capture a host's PCI devices, derive IOMMU groups as the kernel does, compare them with",
            "the kernel's, show why each group formed, and plan a guest layout for assigned groups.",
            "Exit 0 ok, 1 differences found or plan refused, 2 bad input."
        },
        subcommands = {TopologyCapture.class, TopologyImport.class, TopologyShow.class, TopologyPlanGuest.class})
public final class TopologyCommand {

    static final int OK = 0;
    static final int DIFFERENCES_OR_REFUSED = 1;
    static final int BAD_INPUT = 2;

    /** Where a live host lists its PCI functions. */
    static final String LIVE_DEVICES = "/sys/bus/pci/devices";

    /** Turns the ways topology input can be wrong into exit status 2 with one line naming file and field. */
    static int guard(Callable<Integer> command) {
        try {
            return command.call();
        } catch (MalformedCaptureException | HostInputException e) {
            System.err.println("custody: bad input: " + e.getMessage());
        } catch (UncheckedIOException e) {
            System.err.println("custody: bad input: " + e.getCause().getMessage());
        } catch (IOException e) {
            System.err.println("custody: bad input: " + e.getMessage());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return TopologyCommand.BAD_INPUT;
    }
}
