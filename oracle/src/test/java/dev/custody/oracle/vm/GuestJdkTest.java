package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestJdkTest {
    @TempDir
    Path cache;

    @Test
    void lddLinesOutsideTheImageAreTheLibrariesToCopy() {
        String output = """
                /img/bin/java:
                \tlinux-vdso.so.1 (0x00007ffd5b3f2000)
                \tlibjli.so => /img/bin/../lib/libjli.so (0x00007f1c2a3b0000)
                \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1c2a1c3000)
                \t/lib64/ld-linux-x86-64.so.2 (0x00007f1c2a3d6000)
                /img/lib/libjava.so:
                \tlibjvm.so => not found
                \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1c2a1c3000)
                \tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f1c2a0e4000)
                """;
        assertEquals(
                List.of(
                        "/lib/x86_64-linux-gnu/libc.so.6",
                        "/lib/x86_64-linux-gnu/libm.so.6",
                        "/lib64/ld-linux-x86-64.so.2"),
                GuestJdk.parseLdd(output, "/img"));
    }

    /** jlinks this JDK into a fresh cache (a few seconds) and checks what the guest would get. */
    @Test
    void theGuestGetsTheRuntimeAndTheLibrariesItsLoaderLooksFor() {
        Path javaHome = Path.of(System.getProperty("java.home"));
        assertTrue(
                Files.isExecutable(javaHome.resolve("bin/jlink")),
                "this JVM is not a full JDK (no jlink): run the tests" + " with a JDK 25, as ./test does");
        assertTrue(VirtualMachine.locate("ldd").isPresent(), "ldd is not installed (Debian's libc-bin)");

        GuestJdk.Contents contents = new GuestJdk(javaHome, cache).contents();

        Map<String, GuestFile> byPath =
                contents.files().stream().collect(Collectors.toMap(GuestFile::path, Function.identity()));
        assertEquals(0755, byPath.get("jdk/bin/java").mode());
        assertTrue(byPath.containsKey("jdk/lib/server/libjvm.so"));
        assertTrue(byPath.containsKey("jdk/lib/server/classes.jsa"), "jlink generated the CDS archive");
        assertFalse(byPath.containsKey("jdk/lib/server/" + GuestJdk.UNUSED_ARCHIVE));
        assertTrue(
                byPath.keySet().stream().anyMatch(p -> p.endsWith("/libc.so.6")),
                byPath.keySet().toString());
        assertTrue(
                byPath.keySet().stream().anyMatch(p -> p.contains("ld-linux")),
                byPath.keySet().toString());
        assertTrue(
                contents.libraryDirectories().stream().allMatch(d -> d.startsWith("/")),
                contents.libraryDirectories().toString());
        // The kernel's unpacker makes no parent directories: each entry's directory comes before it.
        Set<String> seen = new HashSet<>();
        for (GuestFile file : contents.files()) {
            int slash = file.path().lastIndexOf('/');
            if (slash > 0) {
                assertTrue(seen.contains(file.path().substring(0, slash)), "directory before " + file.path());
            }
            seen.add(file.path());
        }
        Path image = new GuestJdk(javaHome, cache).runtime();
        assertTrue(image.startsWith(cache), "cached under the cache root: " + image);
    }
}
