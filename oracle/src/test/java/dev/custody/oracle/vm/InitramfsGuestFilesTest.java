package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extra entries a run can add to the initramfs (a JDK for the native self-check). */
class InitramfsGuestFilesTest {
    @TempDir
    Path dir;

    @Test
    void extraEntriesFollowTheStandardOnesInTheirOrder() throws Exception {
        Path agent = Files.write(dir.resolve("agent"), new byte[] {1});
        byte[] large = new byte[70_001]; // not a multiple of 4: the streamed copy must pad like the rest
        for (int i = 0; i < large.length; i++) {
            large[i] = (byte) i;
        }
        Path host = Files.write(dir.resolve("libjvm.so"), large);
        Path out = dir.resolve("initramfs.cpio");

        Initramfs.write(
                out,
                agent,
                "arg /jdk/bin/java\n",
                Optional.empty(),
                List.of(
                        GuestFile.directory("jdk"),
                        GuestFile.directory("jdk/lib"),
                        GuestFile.copy("jdk/lib/libjvm.so", 0755, host),
                        GuestFile.bytes("app.jar", 0644, new byte[] {'P', 'K'}),
                        GuestFile.symlink("lib64", "lib")));

        List<CpioReader.Entry> entries = CpioReader.read(Files.readAllBytes(out));
        assertEquals(
                List.of(
                        "dev",
                        "proc",
                        "sys",
                        "modules",
                        "dev/console",
                        "init",
                        "script",
                        "modules/order",
                        "jdk",
                        "jdk/lib",
                        "jdk/lib/libjvm.so",
                        "app.jar",
                        "lib64"),
                entries.stream().map(CpioReader.Entry::name).toList());
        assertEquals(0040755, entries.get(8).mode());
        assertEquals(0100755, entries.get(10).mode());
        assertArrayEquals(large, entries.get(10).data());
        assertEquals("PK", entries.get(11).text());
        assertEquals(CpioWriter.S_IFLNK | 0777, entries.get(12).mode());
        assertEquals("lib", entries.get(12).text(), "a symlink's data is its target");
    }

    @Test
    void cpioReadsTheSymlinkAsOne() throws Exception {
        assertTrue(
                VirtualMachine.locate("cpio").isPresent(),
                "cpio is not installed (Debian's cpio; ./test installs it when run as root)");
        Path agent = Files.write(dir.resolve("agent"), new byte[] {1});
        Path out = dir.resolve("initramfs.cpio");
        Initramfs.write(
                out,
                agent,
                "",
                Optional.empty(),
                List.of(GuestFile.directory("lib"), GuestFile.symlink("lib64", "lib")));
        String verbose = Commands.check(List.of("cpio", "-tv", "-F", out.toString()), dir, Duration.ofSeconds(30));
        assertTrue(verbose.lines().anyMatch(l -> l.startsWith("lrwxrwxrwx") && l.endsWith(" lib64 -> lib")), verbose);
    }

    @Test
    void anExtraEntryCannotReplaceAStandardOne() throws Exception {
        Path agent = Files.write(dir.resolve("agent"), new byte[] {1});
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Initramfs.write(
                        dir.resolve("x.cpio"),
                        agent,
                        "",
                        Optional.empty(),
                        List.of(GuestFile.bytes("init", 0755, new byte[] {2}))));
        assertEquals("the initramfs already has init", e.getMessage());
    }

    @Test
    void entriesAreRelativeAndComplete() {
        assertThrows(IllegalArgumentException.class, () -> GuestFile.directory("/jdk"));
        assertThrows(
                IllegalArgumentException.class,
                () -> new GuestFile(
                        "a", 0644, GuestFile.Kind.FILE, Optional.empty(), Optional.empty(), Optional.empty()));
        assertThrows(
                IllegalArgumentException.class,
                () -> new GuestFile(
                        "a",
                        0777,
                        GuestFile.Kind.SYMLINK,
                        Optional.empty(),
                        Optional.of(new byte[0]),
                        Optional.of("b")));
    }
}
