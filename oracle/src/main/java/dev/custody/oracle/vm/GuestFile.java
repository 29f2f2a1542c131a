package dev.custody.oracle.vm;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One more entry of the guest's initramfs beyond what {@link Initramfs} always writes, for runs that
 * need a larger root file system (a JDK and its libraries for {@code custody oracle native-check}).
 * Entries are written in list order, and the kernel's unpacker creates no parent directories, so a
 * directory must come before what is in it.
 *
 * @param path   inside the archive, without a leading slash ("jdk/bin/java")
 * @param mode   permission bits (0755, 0644)
 * @param kind   what the entry is
 * @param source a regular file's contents on the host, copied as they are when the archive is written
 * @param data   a regular file's contents given directly (when there is no host file)
 * @param target a symbolic link's target
 */
public record GuestFile(
        String path, int mode, Kind kind, Optional<Path> source, Optional<byte[]> data, Optional<String> target) {
    public enum Kind {
        DIRECTORY,
        FILE,
        SYMLINK
    }

    public GuestFile {
        Objects.requireNonNull(path, "path");
        if (path.isEmpty() || path.startsWith("/")) {
            throw new IllegalArgumentException("guest paths are relative and not empty: " + path);
        }
        boolean complete = switch (kind) {
            case DIRECTORY -> source.isEmpty() && data.isEmpty() && target.isEmpty();
            case FILE -> source.isPresent() != data.isPresent() && target.isEmpty();
            case SYMLINK -> source.isEmpty() && data.isEmpty() && target.isPresent();
        };
        if (!complete) {
            throw new IllegalArgumentException("a " + kind + " entry with the wrong contents: " + path);
        }
    }

    public static GuestFile directory(String path) {
        return new GuestFile(path, 0755, Kind.DIRECTORY, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** A copy of the host file {@code source}. */
    public static GuestFile copy(String path, int mode, Path source) {
        return new GuestFile(path, mode, Kind.FILE, Optional.of(source), Optional.empty(), Optional.empty());
    }

    public static GuestFile bytes(String path, int mode, byte[] data) {
        return new GuestFile(path, mode, Kind.FILE, Optional.empty(), Optional.of(data.clone()), Optional.empty());
    }

    public static GuestFile symlink(String path, String target) {
        return new GuestFile(path, 0777, Kind.SYMLINK, Optional.empty(), Optional.empty(), Optional.of(target));
    }
}
