package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files the oracle hands to other programs (the kernel build script and config fragment for
 * bash and make, the agents' C sources for gcc), carried as resources of this module so that
 * {@code custody oracle} runs from its jar alone. They are written once into the cache, under a
 * directory named by their content hash, and every user of them takes paths inside that directory.
 */
public final class OracleFiles {
    /** Relative paths inside the directory; the same under {@code dev/custody/oracle/} on the class path. */
    public static final Path KERNEL_SCRIPT = Path.of("kernel", "oracle-kernel.sh");

    public static final Path KERNEL_FRAGMENT = Path.of("kernel", "kernel-iommufd.config");
    public static final Path AGENT_SOURCE = Path.of("agent", "custody-agent.c");
    public static final Path INIT_SOURCE = Path.of("agent", "java-init.c");
    /** The test module, its interface with the agent, and the script that builds it against a kernel. */
    public static final Path MODULE_SOURCE = Path.of("kmod", "custody-kmod.c");

    public static final Path MODULE_HEADER = Path.of("kmod", "custody-kmod.h");
    public static final Path MODULE_SCRIPT = Path.of("kmod", "oracle-kmod.sh");

    static final List<Path> ALL = List.of(
            KERNEL_SCRIPT, KERNEL_FRAGMENT, AGENT_SOURCE, INIT_SOURCE, MODULE_SOURCE, MODULE_HEADER, MODULE_SCRIPT);
    private static final String RESOURCE_ROOT = "/dev/custody/oracle/";

    private OracleFiles() {}

    /** The directory holding every file, in the user's cache. */
    public static Path unpacked() {
        return unpackInto(CacheRoot.custody().resolve("oracle-files"));
    }

    /** Writes the files under {@code parent}/&lt;hash&gt; unless a complete copy is already there; returns that directory. */
    static Path unpackInto(Path parent) {
        Map<Path, byte[]> contents = contents();
        Path target = parent.resolve(hash(contents));
        if (Files.isDirectory(target)) {
            return target;
        }
        try {
            Files.createDirectories(parent);
            Path partial = Files.createTempDirectory(parent, ".partial-");
            for (Map.Entry<Path, byte[]> file : contents.entrySet()) {
                Path written = partial.resolve(file.getKey());
                Files.createDirectories(written.getParent());
                Files.write(written, file.getValue());
            }
            // a rename makes the copy appear whole; a concurrent custody process may have won the race
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                if (!Files.isDirectory(target)) {
                    throw raced;
                }
                deleteTree(partial);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the oracle's files under " + parent, e);
        }
    }

    private static Map<Path, byte[]> contents() {
        Map<Path, byte[]> contents = new LinkedHashMap<>();
        for (Path file : ALL) {
            String name = RESOURCE_ROOT + file.toString().replace('\\', '/');
            try (InputStream in = OracleFiles.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalStateException(
                            "the oracle's resource " + name + " is missing from the class path");
                }
                contents.put(file, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the oracle's resource " + name, e);
            }
        }
        return contents;
    }

    private static String hash(Map<Path, byte[]> contents) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<Path, byte[]> file : contents.entrySet()) {
                sha.update(file.getKey().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(file.getValue());
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
