package dev.custody.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Runs the command line once with standard output and error captured. */
record CliRun(int status, String out, String err) {

    /** The committed q35 capture, read from the engine module (tests run in the module directory). */
    static final Path Q35 = Path.of("../engine/src/test/resources/topology/q35-capture");

    static CliRun of(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int status = CustodyCli.commandLine().execute(args);
            return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }

    /** A copy of the q35 capture a test may change. */
    static Path copyOfQ35(Path target) throws IOException {
        try (Stream<Path> walk = Files.walk(Q35)) {
            for (var source : walk.sorted(Comparator.naturalOrder()).toList()) {
                var copy = target.resolve(Q35.relativize(source).toString());
                if (Files.isDirectory(source)) Files.createDirectories(copy);
                else Files.copy(source, copy);
            }
        }
        return target;
    }
}
