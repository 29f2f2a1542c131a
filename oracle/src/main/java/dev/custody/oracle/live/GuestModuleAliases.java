package dev.custody.oracle.live;

import dev.custody.oracle.vm.GuestFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The alias file the live engine reads its drivers' id tables from, for the guest: the oracle's kernel
 * builds its drivers in, and 6.12 writes no alias for a built-in driver, so without it the engine in the
 * guest knew no id table and its drivers_probe bound nothing where the kernel's bound the device's native
 * driver. The file holds, as depmod writes them, the entries of the built-in drivers' id tables that
 * match the oracle's devices (the resource says where each is in the kernel's sources); the engine reads
 * it where it reads a host's, {@code /lib/modules/RELEASE/modules.builtin.alias}.
 */
final class GuestModuleAliases {
    static final String RESOURCE = "modules.builtin.alias";

    private GuestModuleAliases() {}

    /** The directories and the file, for a guest running kernel {@code release} ({@code uname -r}). */
    static List<GuestFile> files(String release) {
        String directory = "lib/modules/" + release;
        return List.of(
                GuestFile.directory("lib"),
                GuestFile.directory("lib/modules"),
                GuestFile.directory(directory),
                GuestFile.bytes(directory + "/" + RESOURCE, 0644, text()));
    }

    static byte[] text() {
        try (InputStream in = GuestModuleAliases.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + RESOURCE + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
