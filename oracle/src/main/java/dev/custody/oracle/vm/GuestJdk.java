package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A Java runtime for the guest, which has no libc or anything else: {@code jlink} of java.base (or
 * the modules a caller names) from the JDK running this code (so the guest runs the same Java as the host), plus the host's shared
 * libraries that {@code ldd} names for the runtime's executables and libraries (libc, libm, the
 * dynamic loader...), each at the path the loader will look for it.
 *
 * <p>The jlinked runtime is cached per JDK and options, like the agent binary: jlink takes seconds,
 * the image does not change. The libraries are looked up on every use, because a host upgrade of
 * libc must reach the guest.
 */
public final class GuestJdk {
    /** Where the runtime sits in the guest: {@code /jdk/bin/java}. */
    public static final String ROOT = "jdk";
    /**
     * java.base is all the self-check needs, and fewer modules start faster under TCG; the CDS archive
     * saves the guest JVM about a second of class loading.
     */
    static final List<String> BASE = List.of("java.base");

    /** jlink's options for a runtime of {@code modules} (and the modules they require). */
    static List<String> jlinkOptions(List<String> modules) {
        return List.of(
                "--add-modules",
                String.join(",", modules),
                "--strip-debug",
                "--no-header-files",
                "--no-man-pages",
                "--generate-cds-archive");
    }

    /** The archive for heaps over 32 GB (no compressed oops): the guest's small heap never uses it. */
    static final String UNUSED_ARCHIVE = "classes_nocoops.jsa";

    static final Duration JLINK_TIMEOUT = Duration.ofMinutes(5);
    static final Duration LDD_TIMEOUT = Duration.ofMinutes(1);

    private final Path javaHome;
    private final Path cacheRoot;
    private final List<String> modules;

    /** @param javaHome a JDK (with {@code bin/jlink}) */
    public GuestJdk(Path javaHome, Path cacheRoot) {
        this(javaHome, cacheRoot, BASE);
    }

    /** A runtime of {@code modules} (jlink adds the modules they require). */
    public GuestJdk(Path javaHome, Path cacheRoot, List<String> modules) {
        if (modules.isEmpty()) {
            throw new IllegalArgumentException("a runtime needs at least java.base");
        }
        this.javaHome = javaHome;
        this.cacheRoot = cacheRoot;
        this.modules = List.copyOf(modules);
    }

    /** java.base from the JDK this JVM runs on, in the user's cache. */
    public static GuestJdk standard() {
        return standard(BASE);
    }

    /** {@code modules} from the JDK this JVM runs on, in the user's cache. */
    public static GuestJdk standard(List<String> modules) {
        return new GuestJdk(Path.of(System.getProperty("java.home")), CacheRoot.custody(), modules);
    }

    /** The guest path of the java launcher. */
    public static String javaExecutable() {
        return "/" + ROOT + "/bin/java";
    }

    /** The jlinked runtime on the host, built on first use. */
    public Path runtime() {
        Path jlink = javaHome.resolve("bin").resolve("jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IllegalStateException(javaHome + " is a runtime without jlink; run custody with a full JDK 25");
        }
        String version = System.getProperty("java.runtime.version");
        String key = AgentBinary.key(
                javaHome.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                version + " " + String.join(" ", jlinkOptions(modules)));
        Path image = cacheRoot.resolve("guest-jdk").resolve(key);
        if (Files.isExecutable(image.resolve("bin").resolve("java"))) {
            return image;
        }
        try {
            Files.createDirectories(image.getParent());
            // jlink wants a directory that does not exist; build beside the final place, then rename it in.
            Path partial = image.resolveSibling(
                    key + ".partial-" + ProcessHandle.current().pid());
            UapiHeaders.deleteTree(partial);
            List<String> command = new ArrayList<>(List.of(jlink.toString()));
            command.addAll(jlinkOptions(modules));
            command.addAll(List.of("--output", partial.toString()));
            Commands.check(command, null, JLINK_TIMEOUT);
            try {
                Files.move(partial, image, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                // Another run finished the same image first; theirs is as good as ours.
                UapiHeaders.deleteTree(partial);
                if (!Files.isExecutable(image.resolve("bin").resolve("java"))) {
                    throw raced;
                }
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cache the guest runtime in " + image.getParent(), e);
        }
    }

    /**
     * What the guest needs to run java.
     *
     * @param files              the runtime under {@link #ROOT} and its host libraries, directories
     *                           before their contents
     * @param libraryDirectories the guest directories of those libraries, for LD_LIBRARY_PATH (the
     *                           guest has no ld.so.cache)
     */
    public record Contents(List<GuestFile> files, List<String> libraryDirectories) {
        public Contents {
            files = List.copyOf(files);
            libraryDirectories = List.copyOf(libraryDirectories);
        }
    }

    /** The runtime (built on first use) and the host libraries it needs now. */
    public Contents contents() {
        Path image = runtime();
        List<GuestFile> files = new ArrayList<>();
        List<Path> elf = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(image)) {
            for (Path path : walk.sorted().toList()) {
                String relative = image.relativize(path).toString();
                String guest = relative.isEmpty() ? ROOT : ROOT + "/" + relative;
                if (Files.isDirectory(path)) {
                    files.add(GuestFile.directory(guest));
                    continue;
                }
                if (path.getFileName().toString().equals(UNUSED_ARCHIVE)) {
                    continue; // 14 MB the kernel would unpack for nothing
                }
                files.add(GuestFile.copy(guest, Files.isExecutable(path) ? 0755 : 0644, path));
                if (path.getFileName().toString().endsWith(".so")
                        || path.getParent().getFileName().toString().equals("bin")) {
                    elf.add(path);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the guest runtime " + image, e);
        }
        List<String> libraries = libraryPaths(image, elf);
        Set<String> directories = new TreeSet<>();
        for (String library : libraries) {
            for (Path dir = Path.of(library.substring(1)).getParent(); dir != null; dir = dir.getParent()) {
                directories.add(dir.toString());
            }
        }
        directories.forEach(dir -> files.add(GuestFile.directory(dir)));
        Set<String> libraryDirectories = new TreeSet<>();
        for (String library : libraries) {
            try {
                // Copy what the host path resolves to: on Debian /lib is a symlink to usr/lib.
                files.add(GuestFile.copy(
                        library.substring(1), 0755, Path.of(library).toRealPath()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot resolve " + library, e);
            }
            libraryDirectories.add(library.substring(0, library.lastIndexOf('/')));
        }
        return new Contents(files, List.copyOf(libraryDirectories));
    }

    /** The absolute host paths of the libraries outside the image that ldd lists for {@code elf}. */
    static List<String> libraryPaths(Path image, List<Path> elf) {
        List<String> command = new ArrayList<>(List.of("ldd"));
        elf.forEach(p -> command.add(p.toString()));
        String output = Commands.check(command, null, LDD_TIMEOUT);
        return parseLdd(output, image.toAbsolutePath().toString());
    }

    /**
     * The libraries in ldd's output that live outside {@code imageRoot}: "name => /path (0x...)" lines
     * and the loader's own "/path (0x...)" line; the vDSO and "not found" (a library of the image
     * itself, found at run time through the launcher) are skipped.
     */
    static List<String> parseLdd(String output, String imageRoot) {
        Set<String> paths = new TreeSet<>();
        for (String raw : output.lines().toList()) {
            String line = raw.strip();
            String path;
            if (line.contains("=> /")) {
                path = line.substring(line.indexOf("=> ") + 3);
            } else if (line.startsWith("/") && line.contains(" (0x")) {
                path = line;
            } else {
                continue;
            }
            int address = path.indexOf(" (0x");
            path = address >= 0 ? path.substring(0, address) : path;
            if (!path.startsWith(imageRoot)) {
                paths.add(path);
            }
        }
        return List.copyOf(paths);
    }
}
