package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles placeholder agents against a small fake header tarball laid out like Debian's
 * linux-source-6.12 (the real one takes seconds to decompress; VirtualMachineTest uses it).
 */
class AgentBinaryTest {
    @TempDir
    Path dir;

    Path tarball;
    Path cache;

    @BeforeEach
    void fakeSource() throws Exception {
        assertTrue(
                VirtualMachine.locate("gcc").isPresent(),
                "gcc is not installed (Debian's gcc; ./test installs it when run as root)");
        Path uapi = Files.createDirectories(dir.resolve("src/linux-source-6.12/include/uapi/linux"));
        // The marker proves the private include directory comes before /usr/include; __user must be stripped.
        Files.writeString(uapi.resolve("iommufd.h"), "#define CUSTODY_FAKE_IOMMUFD 42\n");
        Files.writeString(uapi.resolve("vfio.h"), "#include <linux/types.h>\nstruct fake { __u64 __user *data; };\n");
        tarball = dir.resolve("linux-source-6.12.tar.xz");
        Commands.check(
                List.of(
                        "tar",
                        "-cJf",
                        tarball.toString(),
                        "-C",
                        dir.resolve("src").toString(),
                        "linux-source-6.12"),
                dir,
                Duration.ofSeconds(60));
        cache = dir.resolve("cache");
    }

    private Path source(String name, String code) throws Exception {
        return Files.writeString(dir.resolve(name), code);
    }

    @Test
    void compilesAStaticBinaryAgainstTheTarballsHeadersAndCachesIt() throws Exception {
        Path source = source("agent.c", """
                #include <stdio.h>
                #include <linux/iommufd.h>
                #include <linux/vfio.h>
                int main(void) { struct fake f = {0}; printf("%d %d\\n", CUSTODY_FAKE_IOMMUFD, f.data == 0); return 0; }
                """);
        AgentBinary agents = new AgentBinary(cache, tarball);
        Path binary = agents.build(source);
        assertTrue(binary.startsWith(cache.resolve("agent")), binary.toString());
        assertEquals("42 1\n", Commands.check(List.of(binary.toString()), dir, Duration.ofSeconds(30)));
        String file = Commands.check(List.of("file", "-b", binary.toString()), dir, Duration.ofSeconds(30));
        assertTrue(file.contains("statically linked"), file);

        var built = Files.getLastModifiedTime(binary);
        assertEquals(binary, agents.build(source), "the same source is served from the cache");
        assertEquals(built, Files.getLastModifiedTime(binary), "and not compiled again");

        Path changed = source("agent.c", Files.readString(source) + "\n/* changed */\n");
        assertNotEquals(binary, agents.build(changed), "a changed source compiles anew");
    }

    @Test
    void aWarningFailsTheBuildWithGccsMessage() throws Exception {
        Path source = source("bad.c", "int main(void) { int unused; return 0; }\n");
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> new AgentBinary(cache, tarball).build(source));
        assertTrue(e.getMessage().contains("unused"), e.getMessage());
        try (var files = Files.walk(cache.resolve("agent"))) {
            assertEquals(0, files.filter(Files::isRegularFile).count(), "no partial binary is left in the cache");
        }
    }

    @Test
    void headersGetTheAnnotationsHeadersInstallStrips() {
        assertEquals("__u64 *data; void *p;", UapiHeaders.installed("__u64 __user *data; void __force __iomem *p;"));
    }
}
