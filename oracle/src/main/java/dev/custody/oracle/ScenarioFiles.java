package dev.custody.oracle;

import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Scenario files named on the command line; a directory stands for its *.json files, sorted. */
public final class ScenarioFiles {
    private ScenarioFiles() {}

    public static List<Path> expand(List<String> arguments) {
        List<Path> files = new ArrayList<>();
        for (String argument : arguments) {
            Path path = Path.of(argument);
            if (Files.isDirectory(path)) {
                try (Stream<Path> listing = Files.list(path)) {
                    listing.filter(p -> p.toString().endsWith(".json")).sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + path, e);
                }
            } else {
                files.add(path);
            }
        }
        return files;
    }

    /** Parses a file; a ScenarioException names the file, step and field of what is wrong. */
    public static Scenario parse(Path file) {
        try {
            return ScenarioParser.parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
