package dev.custody.persistence;

import dev.custody.persistence.kryo.Registrations;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The golden files: {@code golden/<id>-<Class>.bin} under the test resources, listed in
 * {@code golden/manifest.tsv} as "registration id, class name, file". The bytes are what this
 * version writes; later versions must keep reading them.
 */
final class GoldenFiles {
    private GoldenFiles() {}

    static final String MANIFEST = "golden/manifest.tsv";

    record Entry(int id, String className, String file) {}

    static String fileName(int id, Class<?> type) {
        return id + "-"
                + type.getName().substring(type.getPackageName().length() + 1).replace('$', '.') + ".bin";
    }

    static List<Entry> manifest() {
        List<Entry> entries = new ArrayList<>();
        for (String line : resourceText(MANIFEST).split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\t");
            entries.add(new Entry(Integer.parseInt(fields[0]), fields[1], fields[2]));
        }
        return entries;
    }

    static byte[] bytes(Entry entry) {
        try (InputStream in = GoldenFiles.class.getClassLoader().getResourceAsStream("golden/" + entry.file())) {
            if (in == null) {
                throw new IllegalStateException("golden/" + entry.file() + " is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resourceText(String name) {
        try (InputStream in = GoldenFiles.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a golden file for every sample that has none yet (existing files are never overwritten:
     * they are what older versions wrote). Run from the repository root (the directory must be absolute:
     * the tests run in the module's directory):
     * {@code ./test -pl persistence -am -Dtest=GoldenFileWriter -Dsurefire.failIfNoSpecifiedTests=false
     * -Dcustody.golden.write=$PWD/persistence/src/test/resources/golden}
     */
    static void writeMissing(Path directory) throws IOException {
        Files.createDirectories(directory);
        Path manifest = directory.resolve("manifest.tsv");
        StringBuilder text = new StringBuilder(
                Files.exists(manifest)
                        ? Files.readString(manifest)
                        : "# registration id\tclass\tfile (written by GoldenFiles.writeMissing; never delete a line or a file:"
                                + " a renamed class keeps its id and file, only its name here follows)\n");
        Set<Integer> written = new HashSet<>();
        for (String line : text.toString().split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                written.add(Integer.parseInt(line.split("\t")[0]));
            }
        }
        KryoJournalSerializer serializer = new KryoJournalSerializer();
        for (Map.Entry<Class<?>, Object> sample : GoldenSamples.all().entrySet()) {
            int id = Registrations.idOf(sample.getKey()).orElseThrow();
            String file = fileName(id, sample.getKey());
            if (written.contains(id) || Files.exists(directory.resolve(file))) {
                continue; // an id keeps the bytes it was first written with, also after its class was renamed
            }
            Files.write(directory.resolve(file), serializer.toBinary(sample.getValue()));
            text.append(id)
                    .append('\t')
                    .append(sample.getKey().getName())
                    .append('\t')
                    .append(file)
                    .append('\n');
        }
        Files.writeString(manifest, text.toString());
    }
}
