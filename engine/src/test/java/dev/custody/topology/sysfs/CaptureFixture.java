package dev.custody.topology.sysfs;

import dev.custody.topology.PciFunction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes functions in the captured-sysfs layout, as a live host capture would look. */
final class CaptureFixture {

    private CaptureFixture() {}

    static void write(Path directory, List<PciFunction> functions) throws IOException {
        for (var f : functions) {
            var dir = Files.createDirectories(directory.resolve(f.address().toString()));
            Files.writeString(
                    dir.resolve(SysfsCapture.VENDOR),
                    "0x%04x\n".formatted(f.ids().vendor()));
            Files.writeString(
                    dir.resolve(SysfsCapture.DEVICE),
                    "0x%04x\n".formatted(f.ids().device()));
            Files.writeString(
                    dir.resolve(SysfsCapture.CLASS),
                    "0x%06x\n".formatted(f.classCode().value()));
            Files.write(dir.resolve(SysfsCapture.CONFIG), ConfigImage.of(f));
            if (f.driver().isPresent())
                Files.writeString(dir.resolve(SysfsCapture.DRIVER), f.driver().get() + "\n");
            if (f.reportedGroup().isPresent()) {
                Files.writeString(
                        dir.resolve(SysfsCapture.IOMMU_GROUP), f.reportedGroup().getAsInt() + "\n");
            }
            if (f.virtualFunction()) {
                // The physical function's name; which one it is does not matter to grouping.
                Files.writeString(dir.resolve(SysfsCapture.PHYSFN), "physical-function\n");
            }
        }
    }
}
