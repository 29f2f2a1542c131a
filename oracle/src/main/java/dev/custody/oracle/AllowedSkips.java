package dev.custody.oracle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which files `custody oracle diff` may skip as not realisable and still pass. By default none: a
 * check that compared nothing, or left files out, has not checked them. {@code --allow-skips}
 * alone allows any; {@code --allow-skips=LIST} allows only the files LIST names, each with the
 * reason it cannot run in a VM, and a listed file that runs after all fails the check too, so the
 * list never outlives its reason.
 *
 * <p>LIST has one file per line, its path as given on the command line (or a path ending with
 * it), then whitespace and the reason; blank lines and lines starting with {@code #} are ignored.
 */
public final class AllowedSkips {
    private final boolean any;
    private final Map<String, String> listed;

    private AllowedSkips(boolean any, Map<String, String> listed) {
        this.any = any;
        this.listed = listed;
    }

    public static AllowedSkips none() {
        return new AllowedSkips(false, Map.of());
    }

    public static AllowedSkips any() {
        return new AllowedSkips(true, Map.of());
    }

    /** Reads a list; a line without a reason is refused, naming the line. */
    public static AllowedSkips listedIn(Path list) {
        List<String> lines;
        try {
            lines = Files.readAllLines(list);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the list of files allowed to be skipped " + list, e);
        }
        Map<String, String> listed = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+", 2);
            if (parts.length < 2) {
                throw new IllegalArgumentException(
                        list + ":" + (i + 1) + ": " + parts[0] + " has no reason; say why it cannot run in a VM");
            }
            listed.put(parts[0], parts[1]);
        }
        return new AllowedSkips(false, listed);
    }

    /** The listed reason for skipping the file, when it may be skipped. */
    public Optional<String> allows(String file) {
        if (any) {
            return Optional.of("skips allowed");
        }
        return entry(file).map(Map.Entry::getValue);
    }

    /** Whether the list names the file (a listed file that ran fails the check: the list is stale). */
    public boolean lists(String file) {
        return entry(file).isPresent();
    }

    private Optional<Map.Entry<String, String>> entry(String file) {
        String normal = file.replace('\\', '/');
        return listed.entrySet().stream()
                .filter(e -> normal.equals(e.getKey()) || normal.endsWith("/" + e.getKey()))
                .findFirst();
    }
}
