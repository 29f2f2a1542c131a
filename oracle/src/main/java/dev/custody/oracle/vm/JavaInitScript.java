package dev.custody.oracle.vm;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code /script} that {@code agent/java-init.c} reads: the program's environment, the disks to
 * mount before it starts, where its stderr goes, and its command line, one directive per line.
 */
public final class JavaInitScript {
    private final List<String> lines = new ArrayList<>();

    /** An environment variable of the program, {@code NAME=VALUE}. */
    public JavaInitScript env(String assignment) {
        return line("env", assignment);
    }

    /** A disk mounted at {@code directory} (which init creates) before the program starts. */
    public JavaInitScript mount(String device, String directory, String fileSystem) {
        return line("mount", device + " " + directory + " " + fileSystem);
    }

    /** The program's stderr goes to {@code path} (a guest device such as /dev/ttyS0) instead of its stdout's port. */
    public JavaInitScript stderr(String path) {
        return line("stderr", path);
    }

    /** The program and its arguments, in order. */
    public JavaInitScript command(List<String> command) {
        command.forEach(arg -> line("arg", arg));
        return this;
    }

    public String text() {
        return String.join("", lines.stream().map(l -> l + "\n").toList());
    }

    private JavaInitScript line(String directive, String value) {
        // java-init reads line by line and splits mount lines at spaces
        if (value.contains("\n") || (directive.equals("mount") && value.split(" ").length != 3)) {
            throw new IllegalArgumentException("java-init cannot read the " + directive + " line \"" + value + "\"");
        }
        lines.add(directive + " " + value);
        return this;
    }
}
