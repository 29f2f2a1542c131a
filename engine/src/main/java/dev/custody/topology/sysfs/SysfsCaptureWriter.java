package dev.custody.topology.sysfs;

import dev.custody.topology.PciAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Copies a live host's PCI devices directory (the sysfs {@code bus/pci/devices}) into the layout
 * {@link SysfsCapture} reads. Only reads the host. A config space it may not read is skipped with a
 * note, and the symlinks (driver, group, physical function) become text files holding their last path
 * element.
 */
public final class SysfsCaptureWriter {

    private SysfsCaptureWriter() {}

    /** Returns notes about what could not be captured. */
    public static List<String> capture(Path hostDevices, Path target) throws IOException {
        var notes = new ArrayList<String>();
        Files.createDirectories(target);
        try (var entries = Files.list(hostDevices)) {
            for (var device : entries.sorted().toList()) {
                var name = device.getFileName().toString();
                try {
                    PciAddress.parse(name);
                } catch (IllegalArgumentException e) {
                    notes.add(name + ": not a PCI address, skipped");
                    continue;
                }
                copyDevice(device, target.resolve(name), notes);
            }
        }
        return List.copyOf(notes);
    }

    private static void copyDevice(Path device, Path out, List<String> notes) throws IOException {
        Files.createDirectories(out);
        for (var text : List.of(SysfsCapture.VENDOR, SysfsCapture.DEVICE, SysfsCapture.CLASS)) {
            Files.writeString(out.resolve(text), Files.readString(device.resolve(text), StandardCharsets.US_ASCII));
        }
        try {
            Files.write(out.resolve(SysfsCapture.CONFIG), Files.readAllBytes(device.resolve(SysfsCapture.CONFIG)));
        } catch (IOException | UncheckedIOException e) {
            notes.add(device.getFileName() + ": config unreadable (" + e.getMessage() + "), not captured");
        }
        linkName(device.resolve("driver")).ifPresent(name -> write(out.resolve(SysfsCapture.DRIVER), name));
        linkName(device.resolve("iommu_group")).ifPresent(name -> write(out.resolve(SysfsCapture.IOMMU_GROUP), name));
        linkName(device.resolve(SysfsCapture.PHYSFN)).ifPresent(name -> write(out.resolve(SysfsCapture.PHYSFN), name));
    }

    private static Optional<String> linkName(Path link) throws IOException {
        if (!Files.isSymbolicLink(link)) return Optional.empty();
        return Optional.of(Files.readSymbolicLink(link).getFileName().toString());
    }

    private static void write(Path file, String line) {
        try {
            Files.writeString(file, line + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
