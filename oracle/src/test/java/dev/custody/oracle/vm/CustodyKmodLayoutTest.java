package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.nativeio.uapi.CustodyKmod;
import java.io.InputStream;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java layout of struct custody_kmod_call and its request numbers are the test module's header
 * (kmod/custody-kmod.h) as gcc compiles it.
 */
class CustodyKmodLayoutTest {
    @Test
    void javaLayoutMatchesTheModulesHeader(@TempDir Path dir) throws Exception {
        assertTrue(
                VirtualMachine.locate("gcc").isPresent(),
                "gcc is not installed (Debian's gcc; ./test installs it when run as root)");
        try (InputStream header = getClass().getResourceAsStream("/dev/custody/oracle/kmod/custody-kmod.h")) {
            Files.copy(header, dir.resolve("custody-kmod.h"));
        }
        StringBuilder c = new StringBuilder("""
                #include <stdio.h>
                #include <stddef.h>
                #include "custody-kmod.h"
                int main(void) {
                    printf("sizeof %zu\\n", sizeof(struct custody_kmod_call));
                """);
        Map<String, Long> expected = new TreeMap<>();
        expected.put("sizeof", CustodyKmod.Call.LAYOUT.byteSize());
        for (MemoryLayout member : CustodyKmod.Call.LAYOUT.memberLayouts()) {
            String field = member.name().orElseThrow();
            c.append("    printf(\"offsetof.%s %%zu\\n\", offsetof(struct custody_kmod_call, %s));\n"
                    .formatted(field, field));
            expected.put("offsetof." + field, CustodyKmod.Call.LAYOUT.byteOffset(PathElement.groupElement(field)));
        }
        Map<String, Integer> ops = Map.of(
                "CUSTODY_KMOD_USE_DEFAULT_DOMAIN", CustodyKmod.USE_DEFAULT_DOMAIN,
                "CUSTODY_KMOD_GROUP_CLAIM", CustodyKmod.GROUP_CLAIM,
                "CUSTODY_KMOD_DOMAIN_ALLOC", CustodyKmod.DOMAIN_ALLOC,
                "CUSTODY_KMOD_REPLACE_DOMAIN", CustodyKmod.REPLACE_DOMAIN,
                "CUSTODY_KMOD_MAP", CustodyKmod.MAP,
                "CUSTODY_KMOD_IOVA_TO_PHYS", CustodyKmod.IOVA_TO_PHYS,
                "CUSTODY_KMOD_FAIL_NEXT_PROBE", CustodyKmod.FAIL_NEXT_PROBE);
        ops.forEach((name, op) -> {
            c.append("    printf(\"request.%s %%lu\\n\", (unsigned long) CUSTODY_KMOD_IOCTL(%s));\n"
                    .formatted(name, name));
            expected.put("request." + name, CustodyKmod.request(op));
        });
        c.append("    return 0;\n}\n");
        Path source = Files.writeString(dir.resolve("layout.c"), c.toString());
        Path program = dir.resolve("layout");
        Duration limit = Duration.ofSeconds(60);
        Commands.check(List.of("gcc", "-Wall", "-Werror", "-o", program.toString(), source.toString()), dir, limit);
        Map<String, Long> fromC = new TreeMap<>();
        for (String line :
                Commands.check(List.of(program.toString()), dir, limit).lines().toList()) {
            int space = line.lastIndexOf(' ');
            fromC.put(line.substring(0, space), Long.parseUnsignedLong(line.substring(space + 1)));
        }
        assertEquals(expected, fromC);
    }
}
