package dev.custody.persistence;

import dev.custody.entity.JournalFormat;
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
 * The golden files, one directory per journal format under the test resources: {@code golden/} holds
 * the positional records of format 0 (written before records were versioned), {@code golden/v1/} those
 * of format 1, and so on. Each directory's {@code manifest.tsv} lists "registration id, class name,
 * file". The bytes are what that version wrote; later versions must keep reading them.
 */
final class GoldenFiles {
    private GoldenFiles() {}

    record Entry(int id, String className, String file, int format) {
        /** The manifest a journal row of this file has. */
        String manifest() {
            return format == 0 ? Integer.toString(id) : id + "@v" + format;
        }

        String path() {
            return directory(format) + file;
        }
    }

    /** The resource directory of a format's golden files. */
    static String directory(int format) {
        return format == 0 ? "golden/" : "golden/v" + format + "/";
    }

    static String fileName(int id, Class<?> type) {
        return id + "-"
                + type.getName().substring(type.getPackageName().length() + 1).replace('$', '.') + ".bin";
    }

    /** Every golden file of every format this build reads, oldest format first. */
    static List<Entry> all() {
        List<Entry> all = new ArrayList<>();
        for (int format = 0; format <= JournalFormat.CURRENT; format++) {
            all.addAll(manifest(format));
        }
        return all;
    }

    static List<Entry> manifest(int format) {
        List<Entry> entries = new ArrayList<>();
        for (String line : resourceText(directory(format) + "manifest.tsv").split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\t");
            entries.add(new Entry(Integer.parseInt(fields[0]), fields[1], fields[2], format));
        }
        return entries;
    }

    static byte[] bytes(Entry entry) {
        try (InputStream in = GoldenFiles.class.getClassLoader().getResourceAsStream(entry.path())) {
            if (in == null) {
                throw new IllegalStateException(entry.path() + " is missing");
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
     * Writes a golden file in the current format for every sample that has none yet, into {@code
     * golden/v<format>/} under {@code root} (existing files are never overwritten: they are what older
     * versions wrote). Run from the repository root (the directory must be absolute: the tests run in the
     * module's directory):
     * {@code ./test -pl persistence -am -Dtest=GoldenFileWriter -Dsurefire.failIfNoSpecifiedTests=false
     * -Dcustody.golden.write=$PWD/persistence/src/test/resources/golden}
     */
    static void writeMissing(Path root) throws IOException {
        int format = JournalFormat.CURRENT;
        Path directory = root.resolve("v" + format);
        Files.createDirectories(directory);
        Path manifest = directory.resolve("manifest.tsv");
        StringBuilder text = new StringBuilder(
                Files.exists(manifest)
                        ? Files.readString(manifest)
                        : "# registration id\tclass\tfile: journal format " + format + " (manifest \"<id>@v" + format
                                + "\"), written by GoldenFiles.writeMissing; never delete a line or a file:"
                                + " a renamed class keeps its id and file, only its name here follows\n");
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
