package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelCatalogTest {
    private static final String VERSION = "6.12.117-1~deb12u1";

    @TempDir
    Path dir;

    Path boot;
    Path modules;
    Path home;
    Path tarball;
    Path kernels;

    @BeforeEach
    void fakeMachine() throws Exception {
        boot = Files.createDirectories(dir.resolve("boot"));
        modules = Files.createDirectories(dir.resolve("lib/modules"));
        home = Files.createDirectories(dir.resolve("home"));
        Files.createDirectories(home.resolve("kernel"));
        Files.writeString(home.resolve(IommufdKernel.FRAGMENT), "CONFIG_IOMMUFD=y\n");
        tarball = Files.writeString(dir.resolve("linux-source-6.12.tar.xz"), "not really");
        kernels = dir.resolve("cache/kernels");
        distributionKernel("6.1.0-56-amd64", false);
        distributionKernel("6.12.9-amd64", true);
        Files.writeString(boot.resolve("vmlinuz-5.10.0-old-amd64"), "no modules for this one");
    }

    private void distributionKernel(String release, boolean iommufdConfig) throws Exception {
        Files.writeString(boot.resolve("vmlinuz-" + release), "image");
        Files.writeString(
                boot.resolve("config-" + release),
                iommufdConfig ? "CONFIG_IOMMUFD=y\nCONFIG_VFIO_DEVICE_CDEV=y\n" : "# CONFIG_IOMMUFD is not set\n");
        Files.createDirectories(modules.resolve(release));
        Files.writeString(modules.resolve(release).resolve("modules.dep"), "");
    }

    private KernelCatalog catalog(Optional<String> version) {
        return new KernelCatalog(boot, modules, new IommufdKernel(home, tarball, kernels, version));
    }

    @Test
    void listsKernelsWithModulesNewestFirstAndTheUnbuiltIommufdKernel() {
        List<KernelCatalog.Entry> entries = catalog(Optional.of(VERSION)).list();
        assertEquals(
                List.of("debian-6.12.9-amd64", "debian-6.1.0-56-amd64", "iommufd-6.12.117"),
                entries.stream().map(KernelCatalog.Entry::name).toList());
        Kernel newest = entries.get(0).kernel().orElseThrow();
        assertEquals("6.12.9-amd64", newest.release());
        assertEquals(boot.resolve("vmlinuz-6.12.9-amd64"), newest.bzImage());
        assertEquals(Optional.of(modules.resolve("6.12.9-amd64")), newest.modulesDir());
        assertTrue(newest.iommufd(), "its config has IOMMUFD and VFIO_DEVICE_CDEV");
        assertFalse(entries.get(1).kernel().orElseThrow().iommufd());
        KernelCatalog.Entry iommufd = entries.get(2);
        assertTrue(iommufd.iommufd());
        assertEquals(Optional.empty(), iommufd.kernel());
        assertEquals("not built yet: built on first use (~6-15 min)", iommufd.state());
    }

    @Test
    void aBuiltIommufdKernelIsFoundWhereTheScriptPutsItAndResolvesWithoutABuild() throws Exception {
        IommufdKernel iommufd = new IommufdKernel(home, tarball, kernels, Optional.of(VERSION));
        Path bzImage = iommufd.expectedBzImage();
        assertTrue(
                bzImage.getParent().getFileName().toString().startsWith("linux-6.12.117-1_deb12u1-"),
                bzImage.toString());
        assertEquals(kernels, bzImage.getParent().getParent());
        Files.createDirectories(bzImage.getParent());
        Files.writeString(bzImage, "image");
        KernelCatalog catalog = catalog(Optional.of(VERSION));

        KernelCatalog.Entry entry = catalog.list().getLast();
        assertEquals("built: " + bzImage, entry.state());
        // No script exists in the fake home: resolving must not try to build.
        Kernel kernel = catalog.resolve("iommufd-6.12.117", line -> {});
        assertEquals(bzImage, kernel.bzImage());
        assertEquals(Optional.empty(), kernel.modulesDir());
        assertEquals("6.12.117", kernel.release(), "not a real bzImage: the release comes from the package version");
    }

    @Test
    void defaultsPreferADistributionKernelAndAnIommufdOneWhenAsked() {
        KernelCatalog catalog = catalog(Optional.of(VERSION));
        Kernel plain = catalog.resolveDefault(false, line -> {});
        assertTrue(plain.name().startsWith("debian-"), plain.name());
        // The fake 6.12.9 kernel's config has IOMMUFD, so it serves without building ours.
        assertEquals(
                "debian-6.12.9-amd64", catalog.resolveDefault(true, line -> {}).name());
        assertEquals(
                "debian-6.1.0-56-amd64",
                catalog.resolve("debian-6.1.0-56-amd64", line -> {}).name());
    }

    @Test
    void unknownNamesAndAMissingSourceAreExplained() throws Exception {
        KernelCatalog catalog = catalog(Optional.of(VERSION));
        IllegalArgumentException unknown =
                assertThrows(IllegalArgumentException.class, () -> catalog.resolve("debian-4.19", line -> {}));
        assertTrue(unknown.getMessage().contains("debian-6.1.0-56-amd64, iommufd-6.12.117"), unknown.getMessage());

        Files.delete(tarball);
        assertEquals(
                "unavailable: install Debian's linux-source-6.12 to build it",
                catalog.list().getLast().state());
        IllegalStateException missing =
                assertThrows(IllegalStateException.class, () -> catalog.resolve("iommufd-6.12.117", line -> {}));
        assertTrue(missing.getMessage().contains("linux-source-6.12"), missing.getMessage());
    }

    @Test
    void aBuildUnderWayIsListedAndNotStartedTwice() throws Exception {
        IommufdKernel iommufd = new IommufdKernel(home, tarball, kernels, Optional.of(VERSION));
        Path cache = iommufd.expectedBzImage().getParent();
        Files.createDirectories(cache.resolve("build"));
        Path log = Files.writeString(cache.resolve("build.log"), "  CC      kernel/fork.o\n");
        KernelCatalog catalog = catalog(Optional.of(VERSION));

        assertEquals("being built now: see " + log, catalog.list().getLast().state());
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> catalog.resolve("iommufd-6.12.117", line -> {}));
        assertTrue(e.getMessage().contains("being built by another process"), e.getMessage());

        // A log nobody has written to for long is a failed build's leftover, not a build under way.
        Files.setLastModifiedTime(
                log,
                java.nio.file.attribute.FileTime.from(java.time.Instant.now()
                        .minus(IommufdKernel.BUILD_ACTIVITY)
                        .minusSeconds(60)));
        assertEquals(
                "not built yet: built on first use (~6-15 min)",
                catalog.list().getLast().state());
    }

    @Test
    void withoutDpkgTheKeyUsesTheTarballsMtimeLikeTheScript() throws Exception {
        Files.setLastModifiedTime(tarball, java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L));
        IommufdKernel iommufd = new IommufdKernel(home, tarball, kernels, Optional.empty());
        assertEquals("iommufd-6.12", iommufd.name());
        assertTrue(
                iommufd.expectedBzImage().toString().contains("/linux-1700000000-"),
                iommufd.expectedBzImage().toString());
    }

    @Test
    void releasesCompareByTheirNumbers() {
        assertTrue(KernelCatalog.compareReleases("6.12.1-amd64", "6.9.3-amd64") > 0);
        assertTrue(KernelCatalog.compareReleases("6.1.0-56-amd64", "6.1.0-9-amd64") > 0);
        assertEquals(0, KernelCatalog.compareReleases("6.1.0-56-amd64", "6.1.0-56-amd64"));
    }

    /**
     * The cache key is computed in Java so listing never runs the build script; this checks that the
     * script agrees, by letting it find a bzImage already at the place Java expects (so it only prints
     * the path and builds nothing).
     */
    @Test
    @Tag("oracle-vm")
    void theBuildScriptFindsTheKernelWhereJavaExpectsIt() throws Exception {
        assertTrue(
                Files.isRegularFile(IommufdKernel.DEBIAN_TARBALL),
                "Debian's linux-source-6.12 is not installed (scripts/oracle-ci.sh installs it)");
        Optional<String> version = IommufdKernel.dpkgVersion(IommufdKernel.PACKAGE);
        assertTrue(version.isPresent(), "dpkg does not know linux-source-6.12");
        Path files = OracleFiles.unpackInto(dir.resolve("files"));
        IommufdKernel iommufd = new IommufdKernel(files, IommufdKernel.DEBIAN_TARBALL, kernels, version);
        Path expected = iommufd.expectedBzImage();
        Files.createDirectories(expected.getParent());
        Files.writeString(expected, "image");
        // a built kernel keeps its tree for external modules (the test module) beside the image
        Path symvers = expected.resolveSibling("extmod").resolve("Module.symvers");
        Files.createDirectories(symvers.getParent());
        Files.writeString(symvers, "");

        // Should the keys disagree the script would start a build: stand-ins for tar and make stop it at once.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("tar", "make")) {
            Path stub = Files.writeString(bin.resolve(tool), "#!/bin/sh\necho 'no build in this test' >&2\nexit 3\n");
            stub.toFile().setExecutable(true);
        }
        Commands.Output output = Commands.run(
                List.of(
                        "env",
                        "CUSTODY_KERNEL_CACHE=" + kernels,
                        "PATH=" + bin + ":" + System.getenv("PATH"),
                        "bash",
                        files.resolve(IommufdKernel.SCRIPT).toString()),
                files,
                Duration.ofSeconds(60),
                line -> {});
        assertEquals(0, output.exitCode(), output.stderr());
        assertEquals(expected.toString(), output.stdout().strip());
        assertEquals(expected, iommufd.build(line -> {}).bzImage());
    }

    @Test
    void cacheRootFollowsXdgAndHome() {
        assertEquals(Path.of("/x/custody"), CacheRoot.custody(Map.of("XDG_CACHE_HOME", "/x", "HOME", "/h")));
        assertEquals(Path.of("/h/.cache/custody"), CacheRoot.custody(Map.of("HOME", "/h")));
        assertEquals(Path.of("/h/.cache/custody/kernels"), CacheRoot.kernels(Map.of("HOME", "/h")));
        assertEquals(Path.of("/k"), CacheRoot.kernels(Map.of("HOME", "/h", "CUSTODY_KERNEL_CACHE", "/k")));
    }
}
