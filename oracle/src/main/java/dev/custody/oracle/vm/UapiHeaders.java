package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The 6.12 uapi headers the agent needs ({@code linux/iommufd.h}, {@code linux/vfio.h}) taken from
 * Debian's kernel source tarball: the host's linux-libc-dev (6.1 on bookworm) predates most of the
 * iommufd ioctls. They go into a private include directory that is put first on gcc's path; every
 * other header still comes from the system.
 *
 * <p>Extracting means decompressing the whole 150 MB tarball (about 10-20 s), so the result is cached
 * under the custody cache root, keyed by the tarball's size and modification time.
 */
public final class UapiHeaders {
    /** The headers taken from the tarball, relative to its {@code include/uapi}. */
    static final List<String> HEADERS = List.of("linux/iommufd.h", "linux/vfio.h");

    static final Duration EXTRACT_TIMEOUT = Duration.ofMinutes(10);

    private UapiHeaders() {}

    /** A stable text for the tarball's identity, part of every cache key that depends on it. */
    static String tarballKey(Path tarball) {
        try {
            return Files.size(tarball) + "-"
                    + Files.getLastModifiedTime(tarball).toInstant().getEpochSecond();
        } catch (IOException e) {
            throw new IllegalStateException(tarball + " is missing; install Debian's " + IommufdKernel.PACKAGE, e);
        }
    }

    /** The include directory holding the headers, extracting them on first use. */
    static Path includeDir(Path tarball, Path cacheRoot) {
        Path dir = cacheRoot.resolve("uapi").resolve(tarballKey(tarball));
        if (HEADERS.stream().allMatch(h -> Files.isRegularFile(dir.resolve(h)))) {
            return dir;
        }
        try {
            Files.createDirectories(dir.getParent());
            Path scratch = Files.createTempDirectory(dir.getParent(), "extract-");
            try {
                List<String> command = new ArrayList<>(List.of(
                        "tar",
                        "-xJf",
                        tarball.toString(),
                        "-C",
                        scratch.toString(),
                        "--strip-components=1",
                        "--wildcards"));
                // The tarball's top directory is linux-source-6.12/; matching any top keeps us independent of it.
                HEADERS.forEach(h -> command.add("*/include/uapi/" + h));
                Commands.check(command, null, EXTRACT_TIMEOUT);
                Path staged = Files.createTempDirectory(dir.getParent(), "staged-");
                for (String header : HEADERS) {
                    Path source = scratch.resolve("include/uapi").resolve(header);
                    Path target = staged.resolve(header);
                    Files.createDirectories(target.getParent());
                    Files.writeString(target, installed(Files.readString(source, StandardCharsets.UTF_8)));
                }
                // Renaming the whole directory into place makes a half-written header impossible to observe.
                try {
                    Files.move(staged, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException raced) {
                    deleteTree(staged); // another process finished first; its copy is identical
                }
            } finally {
                deleteTree(scratch);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the uapi headers from " + tarball, e);
        }
    }

    /**
     * What {@code make headers_install} does to a uapi header that matters for user space: it strips
     * the kernel-only annotations ({@code __user} appears in vfio.h).
     */
    static String installed(String header) {
        return header.replaceAll("\\b__user\\b\\s?", "")
                .replaceAll("\\b__force\\b\\s?", "")
                .replaceAll("\\b__iomem\\b\\s?", "");
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
