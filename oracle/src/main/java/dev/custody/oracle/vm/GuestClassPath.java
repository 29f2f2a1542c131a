package dev.custody.oracle.vm;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A class path for a guest JVM that runs the same code as this one: every jar of the host's class
 * path becomes a file under {@link #ROOT}, every class directory (Maven's {@code target/classes} in
 * tests) a tree there, each under a name of its own (two modules' {@code classes} directories must
 * not meet), in the host's order.
 */
public final class GuestClassPath {
    /** Where the entries sit in the guest: {@code /app}. */
    public static final String ROOT = "app";

    /**
     * @param files     the entries as initramfs files, directories before their contents
     * @param classPath the guest's {@code -cp} value
     */
    public record Contents(List<GuestFile> files, String classPath) {
        public Contents {
            files = List.copyOf(files);
        }
    }

    private GuestClassPath() {}

    /** This JVM's class path ({@code java.class.path}). */
    public static Contents current() {
        List<Path> entries = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.isBlank())
                .map(Path::of)
                .toList();
        return of(entries);
    }

    /** {@code entries} as the guest's class path; entries that do not exist are left out, as the JVM ignores them. */
    public static Contents of(List<Path> entries) {
        List<GuestFile> files = new ArrayList<>(List.of(GuestFile.directory(ROOT)));
        List<String> classPath = new ArrayList<>();
        int index = 0;
        for (Path entry : entries) {
            if (!Files.exists(entry)) {
                continue;
            }
            String guest = ROOT + "/" + index++ + "-" + entry.getFileName();
            if (Files.isDirectory(entry)) {
                addTree(entry, guest, files);
            } else {
                files.add(GuestFile.copy(guest, 0644, entry));
            }
            classPath.add("/" + guest);
        }
        if (classPath.isEmpty()) {
            throw new IllegalArgumentException("no entry of the class path exists: " + entries);
        }
        return new Contents(files, String.join(":", classPath));
    }

    private static void addTree(Path root, String guest, List<GuestFile> files) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted().toList()) {
                String relative = root.relativize(path).toString();
                String target = relative.isEmpty() ? guest : guest + "/" + relative;
                if (Files.isDirectory(path)) {
                    files.add(GuestFile.directory(target));
                } else if (Files.isRegularFile(path)) {
                    files.add(GuestFile.copy(target, 0644, path));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the class directory " + root, e);
        }
    }
}
