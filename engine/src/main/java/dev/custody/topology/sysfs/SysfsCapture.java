package dev.custody.topology.sysfs;

import dev.custody.topology.PciAddress;
import dev.custody.topology.PciFunction;
import dev.custody.topology.PciTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * A captured sysfs PCI tree: one directory per function, named by its address, holding the text
 * files {@code vendor}, {@code device}, {@code class} as sysfs prints them, the binary
 * {@code config}, and optionally {@code driver}, {@code iommu_group} and, for an SR-IOV virtual
 * function, {@code physfn}. The hierarchy is
 * recovered from the bridges' secondary/subordinate bus numbers.
 *
 * <p>The live {@code /sys/bus/pci/devices} has the same shape and reads alike: its entries are
 * symbolic links to the functions' directories, and its {@code driver} and {@code iommu_group} are
 * symbolic links whose target's name is the driver or the group number (a capture holds that name
 * as text), and so is {@code physfn}, whose target names the physical function. Only those three
 * may be links; every other file is read only when it is a plain file.
 *
 * @param warnings what the capture could not tell (for example a config read without privilege)
 */
public record SysfsCapture(PciTopology topology, List<String> warnings) {

    public static final String VENDOR = "vendor";
    public static final String DEVICE = "device";
    public static final String CLASS = "class";
    public static final String CONFIG = "config";
    public static final String DRIVER = "driver";
    public static final String IOMMU_GROUP = "iommu_group";
    /** Present only in an SR-IOV virtual function's directory: the link to its physical function. */
    public static final String PHYSFN = "physfn";

    private static final Pattern HEX16 = Pattern.compile("0x[0-9a-fA-F]{4}");
    private static final Pattern HEX24 = Pattern.compile("0x[0-9a-fA-F]{6}");
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,9}");
    /** What the driver core allows in a driver's name, as far as a capture can show one. */
    private static final Pattern DRIVER_NAME = Pattern.compile("[A-Za-z0-9_.+-]{1,64}");

    public SysfsCapture {
        warnings = List.copyOf(warnings);
    }

    public static SysfsCapture read(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new MalformedCaptureException(directory, "capture", "not a directory");
        }
        var functions = new ArrayList<PciFunction>();
        var warnings = new ArrayList<String>();
        for (var deviceDir : list(directory)) {
            functions.add(readFunction(deviceDir, warnings));
        }
        try {
            return new SysfsCapture(PciTopology.of(functions), warnings);
        } catch (IllegalArgumentException e) {
            throw new MalformedCaptureException(directory, "bridge bus numbers", e.getMessage(), e);
        }
    }

    private static List<Path> list(Path directory) {
        try (var entries = Files.list(directory)) {
            return entries.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new MalformedCaptureException(directory, "capture", "cannot list: " + e.getMessage(), e);
        }
    }

    private static PciFunction readFunction(Path dir, List<String> warnings) {
        PciAddress address;
        try {
            address = PciAddress.parse(dir.getFileName().toString());
        } catch (IllegalArgumentException e) {
            throw new MalformedCaptureException(dir, "directory name", e.getMessage(), e);
        }
        int vendor = hex(dir.resolve(VENDOR), "vendor id", HEX16);
        int device = hex(dir.resolve(DEVICE), "device id", HEX16);
        int classCode = hex(dir.resolve(CLASS), "class code", HEX24);
        var configFile = dir.resolve(CONFIG);
        var config = ConfigSpaceParser.parse(configFile, bytes(configFile));
        agree(configFile, "vendor id", config.ids().vendor(), vendor, VENDOR);
        agree(configFile, "device id", config.ids().device(), device, DEVICE);
        agree(configFile, "class code", config.classCode().value(), classCode, CLASS);
        if (!config.capabilitiesCaptured()) {
            warnings.add(
                    address + ": config holds only the header; PCIe and ACS capabilities unknown, taken as absent");
        } else if (!config.extendedCaptured() && config.expressType().isPresent()) {
            warnings.add(address + ": config ends before the extended space; ACS unknown, taken as absent");
        }
        var driver = CaptureFiles.linkNameOrText(dir.resolve(DRIVER), "driver name")
                .map(text -> {
                    if (!DRIVER_NAME.matcher(text).matches()) {
                        throw new MalformedCaptureException(dir.resolve(DRIVER), "driver name", "not a driver name");
                    }
                    return text;
                });
        var group = CaptureFiles.linkNameOrText(dir.resolve(IOMMU_GROUP), "group number")
                .map(text -> {
                    if (!DECIMAL.matcher(text).matches()) {
                        throw new MalformedCaptureException(
                                dir.resolve(IOMMU_GROUP), "group number", "not a group number");
                    }
                    return Integer.parseInt(text);
                });
        return new PciFunction(
                address,
                config.ids(),
                config.subsystem(),
                config.classCode(),
                config.headerType(),
                config.multifunctionBit(),
                CaptureFiles.linkNameOrText(dir.resolve(PHYSFN), "physical function")
                        .isPresent(),
                config.expressType(),
                config.acs(),
                config.bridgeBuses(),
                driver,
                group.map(OptionalInt::of).orElse(OptionalInt.empty()));
    }

    private static int hex(Path file, String field, Pattern form) {
        var text = CaptureFiles.text(file, field)
                .orElseThrow(() -> new MalformedCaptureException(file, field, "file missing"));
        if (!form.matcher(text).matches()) {
            throw new MalformedCaptureException(
                    file, field, "not of the form %s".formatted(form == HEX16 ? "0x8086" : "0x060400"));
        }
        return Integer.parseInt(text.substring(2), 16);
    }

    private static void agree(Path configFile, String field, int inConfig, int inText, String textFile) {
        if (inConfig != inText) {
            throw new MalformedCaptureException(
                    configFile, field, "0x%x in config but 0x%x in %s".formatted(inConfig, inText, textFile));
        }
    }

    private static byte[] bytes(Path file) {
        return CaptureFiles.read(file, "config")
                .orElseThrow(() -> new MalformedCaptureException(file, "config", "file missing"));
    }
}
