package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * The guest agent as a static binary (the guest's initramfs has no libc), compiled from its C source
 * with {@code gcc -static -O2 -Wall -Werror} against the 6.12 uapi headers, and cached so a run pays
 * for gcc only when the source changed: the key is the sha256 of the source and of the header
 * tarball's identity.
 */
public final class AgentBinary {
    /** The agent's source inside the oracle's files ({@link OracleFiles}). */
    public static final Path SOURCE = OracleFiles.AGENT_SOURCE;

    static final Duration COMPILE_TIMEOUT = Duration.ofMinutes(5);
    /** gcc's flags; they are part of the cache key, so changing them recompiles. */
    static final List<String> FLAGS = List.of("-static", "-O2", "-Wall", "-Werror");

    private final Path cacheRoot;
    private final Path headerTarball;

    public AgentBinary(Path cacheRoot, Path headerTarball) {
        this.cacheRoot = cacheRoot;
        this.headerTarball = headerTarball;
    }

    /** The user's cache root and Debian's linux-source-6.12 tarball. */
    public static AgentBinary standard() {
        return new AgentBinary(CacheRoot.custody(), IommufdKernel.DEBIAN_TARBALL);
    }

    /** The agent source inside the oracle's files. */
    public static Path defaultSource(Path home) {
        return home.resolve(SOURCE);
    }

    /** The compiled binary for {@code source}, compiling it when the cache does not hold it. */
    public Path build(Path source) {
        byte[] code;
        try {
            code = Files.readAllBytes(source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the agent source " + source, e);
        }
        // the test module's interface (kmod/custody-kmod.h beside agent/) is part of the agent's source
        Path moduleHeaders = source.toAbsolutePath().getParent().resolveSibling("kmod");
        String interfaceKey = "";
        Path header = moduleHeaders.resolve(OracleFiles.MODULE_HEADER.getFileName());
        try {
            if (Files.isRegularFile(header)) {
                interfaceKey = key(Files.readAllBytes(header), "");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + header, e);
        }
        String key =
                key(code, UapiHeaders.tarballKey(headerTarball) + " " + String.join(" ", FLAGS) + " " + interfaceKey);
        Path binary = cacheRoot.resolve("agent").resolve(key).resolve("custody-agent");
        if (Files.isExecutable(binary)) {
            return binary;
        }
        Path include = UapiHeaders.includeDir(headerTarball, cacheRoot);
        try {
            Files.createDirectories(binary.getParent());
            Path partial = Files.createTempFile(binary.getParent(), "custody-agent-", ".partial");
            try {
                List<String> command = new java.util.ArrayList<>(List.of("gcc"));
                command.addAll(FLAGS);
                command.addAll(List.of(
                        "-I",
                        include.toString(),
                        "-I",
                        moduleHeaders.toString(),
                        "-o",
                        partial.toString(),
                        source.toAbsolutePath().toString()));
                Commands.check(command, null, COMPILE_TIMEOUT);
                Files.move(partial, binary, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
            return binary;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cache the agent binary in " + binary.getParent(), e);
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("cannot run gcc")) {
                throw new IllegalStateException("gcc is missing; install Debian's gcc (and libc6-dev for -static)", e);
            }
            throw e;
        }
    }

    static String key(byte[] source, String context) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(source);
            sha.update((byte) 0);
            sha.update(context.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
