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
import java.util.Optional;

/**
 * The parent's record of every answer the server gave in {@code crash-test --serve}, written and
 * flushed as each arrives, outside the journal under test: the reference the journal is held against.
 */
final class ServeAnswers implements AutoCloseable {
    /**
     * One answered request: the client's opid, its VM, the cycle, the operation, the decision number
     * the answer named (a request that changed ownership) and its result ("ok", an errno...).
     */
    record Answer(String opid, int vm, int cycle, String operation, Optional<Long> seq, String result) {
        String text() {
            return opid + " vm" + vm + " cycle " + cycle + " " + operation + " " + result + " seq "
                    + seq.map(String::valueOf).orElse("-");
        }
    }

    private final BufferedWriter file;
    private final List<Answer> answers = new ArrayList<>();

    ServeAnswers(Path path) {
        try {
            this.file = Files.newBufferedWriter(
                    path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the answer log " + path, e);
        }
    }

    synchronized void add(Answer answer) {
        try {
            file.write(answer.text());
            file.newLine();
            file.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the answer log", e);
        }
        answers.add(answer);
    }

    synchronized List<Answer> all() {
        return List.copyOf(answers);
    }

    @Override
    public synchronized void close() throws IOException {
        file.close();
    }
}
