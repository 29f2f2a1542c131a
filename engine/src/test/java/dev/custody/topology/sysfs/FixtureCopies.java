package dev.custody.topology.sysfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Copies of the committed fixture that a test may damage. */
final class FixtureCopies {

    private FixtureCopies() {}

    /** Copies the fixture into {@code target} (a test's temporary directory) and returns it. */
    static Path copyOf(Path fixture, Path target) throws IOException {
        for (var file : files(fixture)) {
            Files.createDirectories(target.resolve(file).getParent());
            Files.copy(fixture.resolve(file), target.resolve(file));
        }
        return target;
    }

    /** Relative paths of every regular file, sorted. */
    static List<String> files(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> root.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }
}
