package dev.custody.nativeio.uapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles a C program with gcc against the kernel uapi headers and compares every struct size,
 * field offset, flag and ioctl number it prints with the Java side.
 *
 * <p>VFIO type1 is always checked against the system's linux/vfio.h. For iommufd the program uses
 * linux/iommufd.h when the headers have it (Linux 6.2 and later); Debian 12's linux-libc-dev (6.1)
 * does not, and then it falls back to iommufd-abi-restated.h beside this test: that still proves
 * the C and Java layouts agree, but compares against our restatement of the ABI rather than the
 * kernel's header. The test prints which source it used.
 *
 * <p>Fails, naming the package, when gcc or linux/vfio.h is missing (./test installs both as root).
 */
class UapiLayoutTest {

    private static final Map<String, GroupLayout> STRUCTS = structs();
    private static final Map<String, Long> CONSTANTS = constants();

    private static Map<String, GroupLayout> structs() {
        Map<String, GroupLayout> structs = new LinkedHashMap<>();
        for (GroupLayout layout : List.of(
                Iommufd.Destroy.LAYOUT,
                Iommufd.IoasAlloc.LAYOUT,
                Iommufd.IovaRange.LAYOUT,
                Iommufd.IoasIovaRanges.LAYOUT,
                Iommufd.IoasMap.LAYOUT,
                Iommufd.IoasUnmap.LAYOUT,
                VfioType1.DmaMap.LAYOUT,
                VfioType1.DmaUnmap.LAYOUT,
                Vfio.GroupStatus.LAYOUT)) {
            structs.put(layout.name().orElseThrow(), layout);
        }
        return structs;
    }

    private static Map<String, Long> constants() {
        Map<String, Long> constants = new LinkedHashMap<>();
        constants.put("IOMMU_DESTROY", Iommufd.IOMMU_DESTROY);
        constants.put("IOMMU_IOAS_ALLOC", Iommufd.IOMMU_IOAS_ALLOC);
        constants.put("IOMMU_IOAS_IOVA_RANGES", Iommufd.IOMMU_IOAS_IOVA_RANGES);
        constants.put("IOMMU_IOAS_MAP", Iommufd.IOMMU_IOAS_MAP);
        constants.put("IOMMU_IOAS_UNMAP", Iommufd.IOMMU_IOAS_UNMAP);
        constants.put("IOMMU_IOAS_MAP_FIXED_IOVA", (long) Iommufd.MAP_FIXED_IOVA);
        constants.put("IOMMU_IOAS_MAP_WRITEABLE", (long) Iommufd.MAP_WRITEABLE);
        constants.put("IOMMU_IOAS_MAP_READABLE", (long) Iommufd.MAP_READABLE);
        constants.put("VFIO_IOMMU_MAP_DMA", VfioType1.VFIO_IOMMU_MAP_DMA);
        constants.put("VFIO_CHECK_EXTENSION", Vfio.VFIO_CHECK_EXTENSION);
        constants.put("VFIO_SET_IOMMU", Vfio.VFIO_SET_IOMMU);
        constants.put("VFIO_GROUP_GET_STATUS", Vfio.VFIO_GROUP_GET_STATUS);
        constants.put("VFIO_GROUP_SET_CONTAINER", Vfio.VFIO_GROUP_SET_CONTAINER);
        constants.put("VFIO_GROUP_UNSET_CONTAINER", Vfio.VFIO_GROUP_UNSET_CONTAINER);
        constants.put("VFIO_GROUP_GET_DEVICE_FD", Vfio.VFIO_GROUP_GET_DEVICE_FD);
        constants.put("VFIO_GROUP_FLAGS_VIABLE", (long) Vfio.GROUP_FLAGS_VIABLE);
        constants.put("VFIO_GROUP_FLAGS_CONTAINER_SET", (long) Vfio.GROUP_FLAGS_CONTAINER_SET);
        constants.put("VFIO_IOMMU_UNMAP_DMA", VfioType1.VFIO_IOMMU_UNMAP_DMA);
        constants.put("VFIO_DMA_MAP_FLAG_READ", (long) VfioType1.DMA_MAP_FLAG_READ);
        constants.put("VFIO_DMA_MAP_FLAG_WRITE", (long) VfioType1.DMA_MAP_FLAG_WRITE);
        constants.put("VFIO_DMA_MAP_FLAG_VADDR", (long) VfioType1.DMA_MAP_FLAG_VADDR);
        constants.put("VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP", (long) VfioType1.DMA_UNMAP_FLAG_GET_DIRTY_BITMAP);
        constants.put("VFIO_DMA_UNMAP_FLAG_ALL", (long) VfioType1.DMA_UNMAP_FLAG_ALL);
        constants.put("VFIO_DMA_UNMAP_FLAG_VADDR", (long) VfioType1.DMA_UNMAP_FLAG_VADDR);
        return constants;
    }

    @Test
    void javaLayoutsMatchTheKernelHeaders(@TempDir Path dir) throws Exception {
        Path gcc = findOnPath("gcc");
        assertNotNull(
                gcc,
                "gcc is not installed: the uapi layouts are compared with the C headers"
                        + " (Debian's gcc; ./test installs it when run as root)");
        try (InputStream restated = getClass().getResourceAsStream("iommufd-abi-restated.h")) {
            assertNotNull(restated, "iommufd-abi-restated.h beside the test");
            Files.copy(restated, dir.resolve("iommufd-abi-restated.h"));
        }
        Path source = dir.resolve("uapi_layouts.c");
        Files.writeString(source, cProgram());
        Path program = dir.resolve("uapi_layouts");
        run(
                dir,
                gcc.toString(),
                "-std=gnu11",
                "-Wall",
                "-Werror",
                "-I",
                dir.toString(),
                "-o",
                program.toString(),
                source.toString());
        String output = run(dir, program.toString());

        Map<String, Long> fromC = new TreeMap<>();
        String iommufdSource = null;
        for (String line : output.lines().toList()) {
            if (line.startsWith("missing ")) {
                fail("the kernel uapi headers have no " + line.substring(8)
                        + " (Debian's linux-libc-dev; ./test installs it when run as root)");
            }
            int space = line.lastIndexOf(' ');
            if (line.startsWith("iommufd-source ")) {
                iommufdSource = line.substring(space + 1);
            } else {
                fromC.put(line.substring(0, space), Long.parseUnsignedLong(line.substring(space + 1)));
            }
        }
        System.out.println("UapiLayoutTest: vfio from linux/vfio.h, iommufd from " + iommufdSource);
        assertEquals(new TreeMap<>(expectedFromJava()), fromC);
    }

    /** What the C program must print, computed from the Java layouts and constants. */
    private static Map<String, Long> expectedFromJava() {
        Map<String, Long> expected = new TreeMap<>();
        STRUCTS.forEach((name, layout) -> {
            expected.put("sizeof " + name, layout.byteSize());
            for (MemoryLayout member : layout.memberLayouts()) {
                String field = member.name().orElseThrow();
                expected.put("offsetof " + name + "." + field, layout.byteOffset(PathElement.groupElement(field)));
            }
        });
        CONSTANTS.forEach((name, value) -> expected.put("const " + name, value));
        return expected;
    }

    private static String cProgram() {
        StringBuilder c = new StringBuilder("""
                #include <stdio.h>
                #include <stddef.h>
                #if __has_include(<linux/vfio.h>)
                #include <linux/vfio.h>
                #define HAVE_VFIO 1
                #endif
                #if __has_include(<linux/iommufd.h>)
                #include <linux/iommufd.h>
                #define IOMMUFD_SOURCE "linux/iommufd.h"
                #else
                #include "iommufd-abi-restated.h"
                #define IOMMUFD_SOURCE "iommufd-abi-restated.h"
                #endif
                int main(void) {
                #ifndef HAVE_VFIO
                    puts("missing linux/vfio.h");
                    return 0;
                #else
                    puts("iommufd-source " IOMMUFD_SOURCE);
                """);
        STRUCTS.forEach((name, layout) -> {
            c.append("    printf(\"sizeof %s %%zu\\n\", sizeof(struct %s));\n".formatted(name, name));
            for (MemoryLayout member : layout.memberLayouts()) {
                String field = member.name().orElseThrow();
                c.append("    printf(\"offsetof %s.%s %%zu\\n\", offsetof(struct %s, %s));\n"
                        .formatted(name, field, name, field));
            }
        });
        CONSTANTS
                .keySet()
                .forEach(name -> c.append(
                        "    printf(\"const %s %%llu\\n\", (unsigned long long) (%s));\n".formatted(name, name)));
        c.append("    return 0;\n#endif\n}\n");
        return c.toString();
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command[0] + " did not finish");
        }
        assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + output);
        return output;
    }

    private static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String directory : path.split(":")) {
            Path candidate = Path.of(directory, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
