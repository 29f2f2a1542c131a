package dev.custody.output;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files one command run writes, claimed together before it starts: closing removes the temporary
 * file of every one not committed, so a refused path or a failed run leaves none of them half-written.
 */
public final class Outputs implements AutoCloseable {
    private final List<OutputFile> claimed = new ArrayList<>();

    public OutputFile claim(String option, Path target) throws OutputFile.BadOutput {
        OutputFile file = OutputFile.claim(option, target);
        claimed.add(file);
        return file;
    }

    @Override
    public void close() {
        claimed.forEach(OutputFile::discard);
    }
}
