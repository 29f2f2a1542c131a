package dev.custody.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.nativeio.backend.IommufdSelfCheck;
import dev.custody.oracle.vm.ClassesJar;
import dev.custody.oracle.vm.Kernel;
import dev.custody.oracle.vm.VmResult;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import org.junit.jupiter.api.Test;

/** The host side of the native self-check in the guest, without a VM. */
class NativeCheckTest {
    private static VmResult vm(List<String> lines, int exit) {
        return new VmResult(
                lines, "[    8.3] reboot: Power down\n", false, exit, Duration.ofSeconds(6), "", Optional.empty());
    }

    @Test
    void theScriptSetsTheLibraryPathAndRunsTheSelfCheckWithNativeAccess() {
        String script = NativeCheck.script(List.of("/lib/x86_64-linux-gnu", "/lib64"));
        List<String> lines = script.lines().toList();
        assertEquals("env LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/lib64", lines.getFirst());
        assertEquals("arg /jdk/bin/java", lines.get(1));
        assertTrue(lines.contains("arg --enable-native-access=ALL-UNNAMED"), script);
        assertEquals(
                List.of("arg -cp", "arg /custody-native.jar", "arg " + IommufdSelfCheck.class.getName()),
                lines.subList(lines.size() - 3, lines.size()));
    }

    @Test
    void passesOnlyWhenEveryCheckPassedAndTheJvmExitedCleanly() {
        List<String> good =
                List.of("PASS open", "PASS map-fixed 2 pages", "SELF-CHECK 2 passed 0 failed", "java-init: exit 0");
        assertTrue(new GuestCheckResult(vm(good, 0)).allPassed());

        List<String> failing = List.of(
                "PASS open", "FAIL map-fixed expected 0 got -22", "SELF-CHECK 1 passed 1 failed", "java-init: exit 1");
        GuestCheckResult result = new GuestCheckResult(vm(failing, 0));
        assertFalse(result.allPassed());
        assertEquals(List.of("FAIL map-fixed expected 0 got -22"), result.failed());

        List<String> cutShort = List.of("PASS open", "java-init: signal 9");
        assertFalse(new GuestCheckResult(vm(cutShort, 0)).allPassed(), "no summary line");
        assertFalse(new GuestCheckResult(vm(good, 1)).allPassed(), "QEMU failed");
        List<String> jvmMissing =
                List.of("java-init: cannot run /jdk/bin/java: No such file or directory", "java-init: exit 127");
        assertFalse(new GuestCheckResult(vm(jvmMissing, 0)).allPassed());
    }

    @Test
    void anEmptyRunThatEndedByItselfIsReportedAsAGuestReset() {
        VmResult silent = new VmResult(List.of(), "", false, 0, Duration.ofSeconds(9), "", Optional.empty());
        assertTrue(new GuestCheckResult(silent).diagnosis().contains("the guest reset before its console started"));
    }

    @Test
    void aKernelWithoutIommufdIsRefused() {
        Kernel debian = new Kernel("debian-6.1", "6.1", Path.of("/boot/vmlinuz-6.1"), Optional.empty(), false);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> NativeCheck.standard(Path.of("."), debian, Duration.ofMinutes(1)));
        assertTrue(e.getMessage().contains("has no /dev/iommu"), e.getMessage());
    }

    @Test
    void theGuestJarHoldsTheNativeClassesAndNothingElse() throws Exception {
        byte[] jar = ClassesJar.of(IommufdSelfCheck.class, "dev/custody/nativeio/");
        List<String> names = new ArrayList<>();
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            for (JarEntry entry; (entry = in.getNextJarEntry()) != null; ) {
                names.add(entry.getName());
            }
        }
        assertTrue(names.contains("dev/custody/nativeio/backend/IommufdSelfCheck.class"), names.toString());
        assertTrue(names.contains("dev/custody/nativeio/libc/Libc.class"), names.toString());
        assertTrue(
                names.stream().allMatch(n -> n.startsWith("dev/custody/nativeio/") && n.endsWith(".class")),
                names.toString());
    }
}
