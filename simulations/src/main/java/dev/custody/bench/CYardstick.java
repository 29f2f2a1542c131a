package dev.custody.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The C yardstick: pagetable_yardstick.c, shipped as a resource, compiled with {@code gcc -O2}
 * into a temporary directory at bench time and run as a child process that prints ns/op.
 */
public final class CYardstick {

    static final String SOURCE = "pagetable_yardstick.c";

    private CYardstick() {}

    /**
     * Compiles and runs the yardstick.
     *
     * @return ns/op by benchmark name, or empty when gcc is not on PATH
     * @throws IllegalStateException when compiling or running fails
     */
    public static Optional<Map<String, Double>> run(BenchSettings settings) throws IOException, InterruptedException {
        Optional<Path> gcc = findOnPath("gcc");
        if (gcc.isEmpty()) {
            return Optional.empty();
        }
        Path dir = Files.createTempDirectory("custody-yardstick");
        try {
            Path source = dir.resolve(SOURCE);
            try (InputStream in = CYardstick.class.getResourceAsStream(SOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(SOURCE + " is missing from the jar");
                }
                Files.copy(in, source);
            }
            Path program = dir.resolve("pagetable_yardstick");
            exec(gcc.get().toString(), "-O2", "-o", program.toString(), source.toString());
            String output = exec(
                    program.toString(),
                    String.valueOf(settings.warmupIterations() * settings.warmupMillis()),
                    String.valueOf(settings.measureMillis()),
                    String.valueOf(settings.measureIterations()));
            return Optional.of(parse(output));
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(CYardstick::deleteQuietly);
            }
        }
    }

    /**
     * Reads the lines {@code bench NAME NS_PER_OP}; other lines are ignored.
     *
     * @throws IllegalArgumentException for a bench line that does not have that form
     */
    public static Map<String, Double> parse(String output) {
        Map<String, Double> results = new LinkedHashMap<>();
        for (String line : output.lines().toList()) {
            String[] words = line.trim().split("\\s+");
            if (!words[0].equals("bench")) {
                continue;
            }
            if (words.length != 3) {
                throw new IllegalArgumentException("malformed yardstick line: " + line);
            }
            double nanos;
            try {
                nanos = Double.parseDouble(words[2]);
            } catch (NumberFormatException notANumber) {
                throw new IllegalArgumentException("malformed yardstick line: " + line, notANumber);
            }
            if (!(nanos >= 0) || Double.isInfinite(nanos)) {
                throw new IllegalArgumentException("malformed yardstick line: " + line);
            }
            results.put(words[1], nanos);
        }
        return results;
    }

    private static String exec(String... command) throws IOException, InterruptedException {
        // output to a file, so the wait below is what bounds the run (reading a pipe to its end would not)
        Path log = Files.createTempFile("custody-yardstick-", ".out");
        String output;
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(command[0] + " did not finish within 5 minutes");
            }
            output = Files.readString(log);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", command) + " failed (" + process.exitValue() + "):\n" + output);
            }
        } finally {
            Files.deleteIfExists(log);
        }
        return output;
    }

    static Optional<Path> findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(":"))
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
