package dev.custody.topology.sysfs;

import java.nio.file.Path;

/** A captured sysfs tree that cannot be read as PCI functions; names the file and the field at fault. */
public final class MalformedCaptureException extends RuntimeException {

    private final Path file;
    private final String field;

    public MalformedCaptureException(Path file, String field, String problem) {
        super("%s: %s: %s".formatted(file, field, problem));
        this.file = file;
        this.field = field;
    }

    public MalformedCaptureException(Path file, String field, String problem, Throwable cause) {
        super("%s: %s: %s".formatted(file, field, problem), cause);
        this.file = file;
        this.field = field;
    }

    public Path file() {
        return file;
    }

    public String field() {
        return field;
    }
}
