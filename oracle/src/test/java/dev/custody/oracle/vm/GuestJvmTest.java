package dev.custody.oracle.vm;

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

/** What QEMU and java-init get for a JVM with a disk, without booting anything. */
class GuestJvmTest {
    @TempDir
    Path dir;

    @Test
    void theDiskIsMountedBeforeTheJvmStartsWithItsStderrOnTheConsole() throws Exception {
        Kernel kernel = new Kernel("iommufd-test", "6.12", dir.resolve("bzImage"), Optional.empty(), true);
        Path init = Files.writeString(dir.resolve("java-init"), "init");
        GuestJdk.Contents runtime =
                new GuestJdk.Contents(List.of(GuestFile.directory("jdk")), List.of("/lib/x86_64-linux-gnu", "/lib64"));
        GuestClassPath.Contents classPath = GuestClassPath.of(List.of(Files.writeString(dir.resolve("a.jar"), "a")));
        DiskImage disk = DiskImage.format(dir.resolve("disk.img"), 64, "custody-test");
        GuestJvm guest = new GuestJvm(kernel, init, runtime, classPath, new VirtualMachine("qemu"));

        VmRequest request = guest.request(
                disk,
                "/journal",
                List.of("-Xmx384m", "-XX:TieredStopAtLevel=1"),
                "dev.example.Main",
                List.of("crash-workload", "--journal", "h2:/journal"),
                Duration.ofMinutes(5));

        assertEquals(disk.qemuArguments("disk0"), request.deviceArgs());
        assertEquals(init, request.agentBinary());
        assertEquals(
                List.of(
                        "env LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/lib64",
                        "mount /dev/vda /journal ext4",
                        "stderr /dev/ttyS0",
                        "arg /jdk/bin/java",
                        "arg -Xmx384m",
                        "arg -XX:TieredStopAtLevel=1",
                        "arg -cp",
                        "arg /app/0-a.jar",
                        "arg dev.example.Main",
                        "arg crash-workload",
                        "arg --journal",
                        "arg h2:/journal"),
                request.script().lines().toList());
        List<String> paths = request.guestFiles().stream().map(GuestFile::path).toList();
        assertEquals(List.of("jdk", "app", "app/0-a.jar", "tmp"), paths);
    }

    @Test
    void java_initCannotReadLinesWithNewlinesOrMountsWithSpaces() {
        JavaInitScript script = new JavaInitScript();
        assertThrows(IllegalArgumentException.class, () -> script.mount("/dev/vda", "/my journal", "ext4"));
        assertThrows(IllegalArgumentException.class, () -> script.command(List.of("two\nlines")));
        assertTrue(script.text().isEmpty());
    }
}
