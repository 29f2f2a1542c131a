package dev.custody.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An append-only file of JSON objects, one per line. Each {@link #append} is one write(2) before it
 * returns, so a record written before an answer is sent survives the server's SIGKILL (the kernel
 * has it); it is not forced to the disk, so a power cut may take the last records. A line a crash
 * cut in half is skipped when read back.
 */
final class JsonLines implements StateRecords {
    private final Optional<FileChannel> channel;
    private final Optional<Path> path;

    private JsonLines(Optional<Path> path) {
        this.path = path;
        this.channel = path.map(p -> {
            try {
                Files.createDirectories(p.toAbsolutePath().getParent());
                return FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open " + p + ": " + e.getMessage(), e);
            }
        });
    }

    static JsonLines at(Path path) {
        return new JsonLines(Optional.of(path));
    }

    /** Records go nowhere: a server without a state directory keeps what it must in memory only. */
    static JsonLines none() {
        return new JsonLines(Optional.empty());
    }

    Optional<Path> path() {
        return path;
    }

    void append(JsonNode record) {
        if (channel.isEmpty()) {
            return;
        }
        write(ByteBuffer.wrap(Messages.line(record)));
    }

    @Override
    public void append(String record) {
        if (channel.isEmpty()) {
            return;
        }
        write(ByteBuffer.wrap((record + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Override
    public boolean durable() {
        return path.isPresent();
    }

    @Override
    public List<String> readAll() {
        if (path.isEmpty()) {
            return List.of();
        }
        try {
            return read(path.get()).stream().map(Messages::text).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path.get() + ": " + e.getMessage(), e);
        }
    }

    private void write(ByteBuffer bytes) {
        synchronized (this) {
            try {
                while (bytes.hasRemaining()) {
                    channel.get().write(bytes);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + path.orElseThrow() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Every whole record of the file, in order; none when it does not exist. */
    static List<JsonNode> read(Path path) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        if (!Files.exists(path)) {
            return records;
        }
        for (String line : Files.readAllLines(path)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode node = Messages.JSON.readTree(line);
                if (node != null && node.isObject()) {
                    records.add(node);
                }
            } catch (IOException torn) {
                // a line the crash cut short was never a whole record
            }
        }
        return records;
    }

    @Override
    public void close() {
        if (channel.isPresent()) {
            try {
                channel.get().close();
            } catch (IOException ignored) {
                // closing after the last append: nothing is left to lose
            }
        }
    }
}
