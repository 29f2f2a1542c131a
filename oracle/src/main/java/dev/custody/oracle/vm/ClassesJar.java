package dev.custody.oracle.vm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A jar of one package tree's classes, taken from wherever this JVM loaded them: Maven's
 * {@code target/classes} directory in tests and IDE runs, the shaded {@code custody.jar} from the
 * launcher. The guest gets only the classes it runs (the native module's, a few hundred KB), not
 * the whole command line with its dependencies.
 */
public final class ClassesJar {
    private ClassesJar() {}

    /** The classes under {@code anchor}'s package's parent {@code prefix} (e.g. "dev/custody/nativeio/"). */
    public static byte[] of(Class<?> anchor, String prefix) {
        Path location;
        try {
            location = Path.of(
                    anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot tell where " + anchor.getName() + " was loaded from", e);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes)) {
            int count =
                    Files.isDirectory(location) ? fromDirectory(location, prefix, jar) : fromJar(location, prefix, jar);
            if (count == 0) {
                throw new IllegalStateException("no classes under " + prefix + " in " + location);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the classes of " + prefix + " from " + location, e);
        }
        return bytes.toByteArray();
    }

    private static int fromDirectory(Path root, String prefix, JarOutputStream jar) throws IOException {
        Path base = root.resolve(prefix);
        if (!Files.isDirectory(base)) {
            return 0;
        }
        List<Path> classes;
        try (Stream<Path> walk = Files.walk(base)) {
            classes = walk.filter(p -> p.toString().endsWith(".class")).sorted().toList();
        }
        for (Path file : classes) {
            jar.putNextEntry(new JarEntry(root.relativize(file).toString().replace('\\', '/')));
            Files.copy(file, jar);
            jar.closeEntry();
        }
        return classes.size();
    }

    private static int fromJar(Path source, String prefix, JarOutputStream jar) throws IOException {
        int count = 0;
        try (JarFile in = new JarFile(source.toFile())) {
            for (JarEntry entry : in.stream()
                    .filter(e -> e.getName().startsWith(prefix) && e.getName().endsWith(".class"))
                    .sorted(java.util.Comparator.comparing(JarEntry::getName))
                    .toList()) {
                jar.putNextEntry(new JarEntry(entry.getName()));
                try (InputStream data = in.getInputStream(entry)) {
                    data.transferTo(jar);
                }
                jar.closeEntry();
                count++;
            }
        }
        return count;
    }
}
