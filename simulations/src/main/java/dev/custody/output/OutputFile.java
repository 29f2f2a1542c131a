package dev.custody.output;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A file a command writes (a trace, a report, its data): claimed before the command does any work, so
 * a path that cannot be written is refused at once, and written to a temporary file beside it that is
 * moved into place whole, so a run that fails halfway leaves no half-written file under that name.
 */
public final class OutputFile {
    private final Path target;
    private final Path temporary;

    private OutputFile(Path target, Path temporary) {
        this.target = target;
        this.temporary = temporary;
    }

    /**
     * Claims {@code target} for the option {@code option} (named in the refusal): its directory must
     * exist and take a new file.
     *
     * @throws BadOutput one line naming the option, the path and what is wrong with it
     */
    public static OutputFile claim(String option, Path target) throws BadOutput {
        Path absolute = target.toAbsolutePath().normalize();
        Path directory = absolute.getParent();
        String what = option + " " + target + ": ";
        if (directory == null || absolute.getFileName() == null) {
            throw new BadOutput(what + "not a file name");
        }
        if (Files.isDirectory(absolute)) {
            throw new BadOutput(what + "is a directory");
        }
        if (!Files.exists(directory)) {
            throw new BadOutput(what + "the directory " + directory + " does not exist");
        }
        if (!Files.isDirectory(directory)) {
            throw new BadOutput(what + directory + " is not a directory");
        }
        try {
            Path temporary = Files.createTempFile(directory, "." + absolute.getFileName() + ".", ".partial");
            return new OutputFile(absolute, temporary);
        } catch (IOException | SecurityException cannot) {
            throw new BadOutput(what + "cannot create a file in " + directory + " (" + reason(cannot) + ")");
        }
    }

    /** The file beside {@code report} with its extension replaced: {@code run.html} -> {@code run.csv}. */
    public static Path beside(Path report, String extension) {
        String name = report.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return report.resolveSibling(stem + extension);
    }

    public Path target() {
        return target;
    }

    /** A writer of the temporary file; {@link #commit} after closing it puts the file in place. */
    public Writer writer() throws IOException {
        return Files.newBufferedWriter(temporary, StandardCharsets.UTF_8);
    }

    /** A buffered stream to the temporary file; {@link #commit} after closing it puts the file in place. */
    public java.io.OutputStream outputStream() throws IOException {
        return new java.io.BufferedOutputStream(Files.newOutputStream(temporary), 1 << 16);
    }

    /** Writes the whole file and puts it in place. */
    public void write(String text) throws IOException {
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        commit();
    }

    /** Moves the finished temporary file onto the target (replacing an older file of that name). */
    public void commit() throws IOException {
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException notAtomic) {
            Files.move(
                    temporary, target, StandardCopyOption.REPLACE_EXISTING); // same directory: only an odd file system
        }
    }

    /** Removes the temporary file of a run that ends without this output. */
    public void discard() {
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException ignored) {
            // a stray temporary file is named as one (".NAME.*.partial") and harms nothing
        }
    }

    private static String reason(Exception cannot) {
        if (cannot instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return cannot.getClass().getSimpleName() + (cannot.getMessage() == null ? "" : ": " + cannot.getMessage());
    }

    /** An output path the command cannot write: the message is the whole line to print. */
    public static final class BadOutput extends Exception {
        public BadOutput(String message) {
            super(message);
        }
    }
}
