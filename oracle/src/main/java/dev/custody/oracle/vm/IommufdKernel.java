package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The kernel with iommufd and VFIO cdev, which no Debian kernel has: Debian's linux-source-6.12 built
 * by the oracle's {@code kernel/oracle-kernel.sh} with {@code kernel/kernel-iommufd.config} (resources of this
 * module, see {@link OracleFiles}), everything built in.
 *
 * <p>Whether it is built is answered without running the script (listing kernels must not start a
 * build), so the cache key is computed here exactly as the script computes it: package version with
 * characters outside {@code [A-Za-z0-9.+-]} replaced by {@code _}, and the first 12 hex digits of the
 * fragment's sha256. Building always goes through the script, which stays the one place that knows
 * how to build.
 */
public final class IommufdKernel {
    static final String PACKAGE = "linux-source-6.12";
    static final Path DEBIAN_TARBALL = Path.of("/usr/src/linux-source-6.12.tar.xz");
    static final Path FRAGMENT = OracleFiles.KERNEL_FRAGMENT;
    static final Path SCRIPT = OracleFiles.KERNEL_SCRIPT;
    /** A cold build is about 6 minutes on 2 idle cores; a busy machine can take several times that. */
    static final Duration BUILD_TIMEOUT = Duration.ofMinutes(90);
    /** A kernel build writes its log at least this often (every compiled file adds a line). */
    static final Duration BUILD_ACTIVITY = Duration.ofMinutes(3);

    private final Path home;
    private final Path tarball;
    private final Path kernelsDir;
    private final Optional<String> packageVersion;

    /**
     * @param home           the repository root (script and fragment)
     * @param tarball        the kernel source tarball
     * @param kernelsDir     the kernels cache directory (passed to the script as CUSTODY_KERNEL_CACHE)
     * @param packageVersion the source package's Debian version, empty when dpkg does not know it
     */
    public IommufdKernel(Path home, Path tarball, Path kernelsDir, Optional<String> packageVersion) {
        this.home = home;
        this.tarball = tarball;
        this.kernelsDir = kernelsDir;
        this.packageVersion = packageVersion;
    }

    /** The machine's: Debian's tarball, the user's cache, the version dpkg reports. */
    public static IommufdKernel standard(Path home) {
        return new IommufdKernel(home, DEBIAN_TARBALL, CacheRoot.kernels(), dpkgVersion(PACKAGE));
    }

    /** {@code iommufd-<upstream version>}, stable before and after the build. */
    public String name() {
        // "6.12.117-1~deb12u1" -> "6.12.117"; without dpkg the series is all we know.
        return "iommufd-" + packageVersion.map(v -> v.replaceFirst("-.*$", "")).orElse("6.12");
    }

    /** Whether the source tarball is installed (without it nothing can be built). */
    public boolean sourceAvailable() {
        return Files.isRegularFile(tarball);
    }

    /** Where the script puts (or has put) the bzImage. */
    public Path expectedBzImage() {
        String version = packageVersion.orElseGet(this::tarballMtime);
        String key = "linux-" + version.replaceAll("[^A-Za-z0-9.+-]", "_") + "-"
                + fragmentHash().substring(0, 12);
        return kernelsDir.resolve(key).resolve("bzImage");
    }

    /**
     * The build log of a build that seems to be under way: the script's work directory exists and its
     * log was written within {@link #BUILD_ACTIVITY}. The script takes no lock, so a second build
     * started now would delete the first one's tree; this is how both Java and people can tell.
     */
    public Optional<Path> buildUnderWay() {
        if (!sourceAvailable() || !Files.isRegularFile(home.resolve(FRAGMENT))) {
            return Optional.empty();
        }
        Path cache = expectedBzImage().getParent();
        Path log = cache.resolve("build.log");
        try {
            if (Files.isDirectory(cache.resolve("build"))
                    && Files.isRegularFile(log)
                    && Files.getLastModifiedTime(log)
                            .toInstant()
                            .isAfter(java.time.Instant.now().minus(BUILD_ACTIVITY))) {
                return Optional.of(log);
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The kernel if the cache already holds it. */
    public Optional<Kernel> ifBuilt() {
        if (!sourceAvailable() || !Files.isRegularFile(home.resolve(FRAGMENT))) {
            return Optional.empty();
        }
        Path bzImage = expectedBzImage();
        return Files.isRegularFile(bzImage) ? Optional.of(kernel(bzImage)) : Optional.empty();
    }

    /**
     * Returns the kernel, building it first when the cache does not hold it. The build's progress
     * lines (the script's stderr) go to {@code progress}. A file lock keeps two custody processes
     * from building at once; the second waits and then finds the first's result.
     */
    public Kernel build(Consumer<String> progress) {
        if (!sourceAvailable()) {
            throw new IllegalStateException(tarball + " is missing; install Debian's " + PACKAGE);
        }
        Optional<Kernel> built = ifBuilt();
        if (built.isPresent()) {
            return built.get();
        }
        Optional<Path> running = buildUnderWay();
        if (running.isPresent()) {
            throw new IllegalStateException("the iommufd kernel is being built by another process (log: "
                    + running.get() + "); run again when it has finished");
        }
        try {
            Files.createDirectories(kernelsDir);
            try (FileChannel lockFile = FileChannel.open(
                            kernelsDir.resolve(".build.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock _ = lockFile.lock()) {
                List<String> command = List.of(
                        "env",
                        "CUSTODY_KERNEL_CACHE=" + kernelsDir,
                        "bash",
                        home.resolve(SCRIPT).toString());
                Commands.Output output = Commands.run(command, home, BUILD_TIMEOUT, progress);
                if (output.exitCode() != 0) {
                    throw new IllegalStateException(
                            "building the iommufd kernel failed (exit " + output.exitCode() + "):\n" + output.stderr());
                }
                List<String> lines =
                        output.stdout().lines().filter(l -> !l.isBlank()).toList();
                if (lines.isEmpty()) {
                    throw new IllegalStateException(SCRIPT + " printed no bzImage path");
                }
                Path bzImage = Path.of(lines.getLast().strip());
                if (!Files.isRegularFile(bzImage)) {
                    throw new IllegalStateException(SCRIPT + " printed " + bzImage + ", which does not exist");
                }
                return kernel(bzImage);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Kernel kernel(Path bzImage) {
        String release = BzImage.release(bzImage).orElse(name().substring("iommufd-".length()));
        return new Kernel(name(), release, bzImage, Optional.empty(), true);
    }

    private String fragmentHash() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(home.resolve(FRAGMENT)));
            return HexFormat.of().formatHex(digest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the kernel config fragment " + home.resolve(FRAGMENT), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The script's fallback key part when dpkg does not know the package: the tarball's mtime in seconds. */
    private String tarballMtime() {
        try {
            return Long.toString(Files.getLastModifiedTime(tarball).toInstant().getEpochSecond());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The installed version of a Debian package, empty when dpkg is absent or does not know it. */
    static Optional<String> dpkgVersion(String pkg) {
        try {
            Commands.Output output = Commands.run(
                    List.of("dpkg-query", "-W", "-f=${Version}", pkg), null, Duration.ofSeconds(30), line -> {});
            String version = output.stdout().strip();
            return output.exitCode() == 0 && !version.isEmpty() ? Optional.of(version) : Optional.empty();
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
    }
}
