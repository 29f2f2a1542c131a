package dev.custody.crash;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The parent's own record of every acknowledged operation, written and flushed as each arrives: the
 * reference the recovered journal is held against, kept outside the journal under test.
 */
final class AckLog implements AutoCloseable {
    private final BufferedWriter file;
    private final List<WorkloadLine.Acknowledged> acknowledged = new ArrayList<>();

    AckLog(Path path) {
        try {
            this.file = Files.newBufferedWriter(
                    path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the acknowledgement log " + path, e);
        }
    }

    void add(WorkloadLine.Acknowledged ack) {
        try {
            file.write(ack.text());
            file.newLine();
            file.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the acknowledgement log", e);
        }
        acknowledged.add(ack);
    }

    List<WorkloadLine.Acknowledged> all() {
        return List.copyOf(acknowledged);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
