package dev.custody.crash;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Random;

/**
 * Damages the end of the H2 database file as a torn write would: the last {@link #TORN_BYTES} bytes
 * (where H2's MVStore appends its newest chunk and footer) are overwritten with seeded garbage. A
 * copy of the intact file is kept so the test can go on from the undamaged journal afterwards.
 */
final class TornTail {
    static final int TORN_BYTES = 4096;

    private final Path file;
    private final Path intact;

    TornTail(Path h2File) {
        this.file = h2File;
        this.intact = h2File.resolveSibling(h2File.getFileName() + ".intact");
    }

    /** The number of bytes overwritten. */
    long tear(long seed) throws IOException {
        Files.copy(file, intact, StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long length = raf.length();
            int torn = (int) Math.min(TORN_BYTES, length / 2);
            byte[] garbage = new byte[torn];
            new Random(seed).nextBytes(garbage);
            raf.seek(length - torn);
            raf.write(garbage);
            return torn;
        }
    }

    void restore() throws IOException {
        Files.move(intact, file, StandardCopyOption.REPLACE_EXISTING);
    }
}
