package dev.custody.persistence;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.h2.store.fs.FileBase;
import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;

/**
 * An H2 file system ({@code powercut:/path}) that keeps, beside each database file, the bytes a power
 * cut would leave of it: only what was written before the file's last {@code force} (fsync). Writes
 * go to the real file as usual and are held back from the image until the next force. A power cut
 * at any instant is then a copy of the image ({@link #cut}), which H2 can open like any journal.
 *
 * <p>The pessimistic reading of a power cut: the page cache is lost whole, and nothing unforced
 * reached the disk. A disk may also have written some unforced writes and not others before the cut,
 * in an order of its own: {@link DurableImage#cutWrittenBackBelow} models a page cache written back in
 * the order of the file's offsets, cut part way.
 */
public final class PowerCutFiles extends FilePathWrapper {

    static final String SCHEME = "powercut";

    private static final PowerCutFiles INSTANCE = new PowerCutFiles();
    private static final Map<String, DurableImage> IMAGES = new ConcurrentHashMap<>();

    /**
     * How long every write of a database file takes on top of the real one: a slow disk, on which H2's
     * own background stores are still under way when somebody else syncs.
     */
    private static volatile long writeDelayNanos;

    static void slowWrites(java.time.Duration delay) {
        writeDelayNanos = delay.toNanos();
    }

    private static void writeDelay() {
        long delay = writeDelayNanos;
        if (delay > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(delay); // a slow device, not synchronisation
        }
    }

    /** H2 makes one per path, by reflection. */
    public PowerCutFiles() {}

    static void register() {
        FilePath.register(INSTANCE);
    }

    /** The durable image of a database file, by its real path (without the scheme). */
    static DurableImage image(Path file) {
        return IMAGES.computeIfAbsent(file.toAbsolutePath().toString(), DurableImage::new);
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FileChannel open(String mode) throws IOException {
        FileChannel real = super.open(mode);
        String path = unwrap(name).toString();
        return path.endsWith(".mv.db") ? new Channel(real, image(Path.of(path))) : real;
    }

    /** What a power cut leaves of one file: every write up to its last force, none after. */
    static final class DurableImage {
        private record Write(long position, byte[] bytes) {}

        private final Path image;
        private final List<Write> pending = new ArrayList<>();
        private long truncatedTo = -1;
        private long forces;

        DurableImage(String file) {
            this.image = Path.of(file + ".durable");
        }

        synchronized void written(long position, byte[] bytes) {
            pending.add(new Write(position, bytes));
        }

        synchronized void truncated(long size) {
            pending.add(new Write(size, null));
        }

        /** How many writes a force that starts now covers. */
        synchronized int writtenSoFar() {
            return pending.size();
        }

        /** A force that started after the first {@code covered} pending writes has returned. */
        synchronized void forced(int covered) throws IOException {
            List<Write> durable = pending.subList(0, covered);
            try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
                for (Write write : durable) {
                    if (write.bytes() == null) {
                        file.setLength(Math.min(file.length(), write.position()));
                    } else {
                        file.seek(write.position());
                        file.write(write.bytes());
                    }
                }
            }
            durable.clear();
            forces++;
        }

        synchronized long forces() {
            return forces;
        }

        /** Where the writes since the last force start, in the order they were made. */
        synchronized List<Long> unforcedPositions() {
            List<Long> positions = new ArrayList<>();
            for (Write write : pending) {
                if (write.bytes() != null) {
                    positions.add(write.position());
                }
            }
            return positions;
        }

        /**
         * A power cut now, after the disk wrote the page cache's unforced bytes below {@code limit} but
         * none above it (a write-back in the order of the file's offsets, cut part way; its newest
         * bytes at each place, as a write-back has them). Truncations since the last force are not
         * applied.
         */
        synchronized void cutWrittenBackBelow(Path target, long limit) throws IOException {
            cut(target);
            try (RandomAccessFile file = new RandomAccessFile(target.toFile(), "rw")) {
                for (Write write : pending) {
                    if (write.bytes() == null || write.position() >= limit) {
                        continue;
                    }
                    long end = Math.min(limit, write.position() + write.bytes().length);
                    file.seek(write.position());
                    file.write(write.bytes(), 0, (int) (end - write.position()));
                }
            }
        }

        /** A power cut now: the durable bytes as the database file {@code target}. */
        synchronized void cut(Path target) throws IOException {
            Files.createDirectories(target.getParent());
            if (Files.exists(image)) {
                Files.copy(image, target, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(target);
            }
        }
    }

    /** The real channel, telling the image what was written and when it was forced. */
    private static final class Channel extends FileBase {
        private final FileChannel real;
        private final DurableImage image;

        Channel(FileChannel real, DurableImage image) {
            this.real = real;
            this.image = image;
        }

        private static byte[] remaining(ByteBuffer src) {
            byte[] bytes = new byte[src.remaining()];
            src.duplicate().get(bytes);
            return bytes;
        }

        @Override
        public synchronized int write(ByteBuffer src, long position) throws IOException {
            writeDelay();
            byte[] bytes = remaining(src);
            int written = real.write(src, position);
            image.written(position, java.util.Arrays.copyOf(bytes, written));
            return written;
        }

        @Override
        public synchronized int write(ByteBuffer src) throws IOException {
            writeDelay();
            long position = real.position();
            byte[] bytes = remaining(src);
            int written = real.write(src);
            image.written(position, java.util.Arrays.copyOf(bytes, written));
            return written;
        }

        @Override
        public synchronized FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            image.truncated(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            int covered = image.writtenSoFar(); // a write racing with the force may or may not be on disk: not counted
            real.force(metaData);
            image.forced(covered);
        }

        @Override
        public synchronized int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public synchronized int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public synchronized FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
