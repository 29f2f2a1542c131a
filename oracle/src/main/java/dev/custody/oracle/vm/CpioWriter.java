package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the uncompressed cpio "newc" format the kernel unpacks as an initramfs, so building one
 * needs no external cpio. Each entry is a 110-byte ASCII header ("070701" and thirteen 8-digit hex
 * fields), the NUL-terminated name padded to 4 bytes, and the data padded to 4 bytes; a
 * {@code TRAILER!!!} entry ends the archive. Times and owners are zero so the same inputs give the
 * same bytes.
 */
final class CpioWriter implements AutoCloseable {
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFCHR = 0020000;
    static final int S_IFLNK = 0120000;
    static final String TRAILER = "TRAILER!!!";

    private final OutputStream out;
    private long written;
    private int inode = 1;
    private boolean finished;

    CpioWriter(OutputStream out) {
        this.out = out;
    }

    /** A directory; {@code path} has no leading slash ("dev", "modules"). */
    void directory(String path, int permissions) throws IOException {
        entry(path, S_IFDIR | permissions, 2, 0, 0, new byte[0]);
    }

    /** A regular file with the given permissions (e.g. 0755 for /init). */
    void file(String path, int permissions, byte[] data) throws IOException {
        entry(path, S_IFREG | permissions, 1, 0, 0, data);
    }

    /** A regular file copied from the host as it is written, so large files are never held in memory. */
    void file(String path, int permissions, Path source) throws IOException {
        long size = Files.size(source);
        header(path, S_IFREG | permissions, 1, 0, 0, size);
        try (InputStream in = Files.newInputStream(source)) {
            long copied = in.transferTo(out);
            if (copied != size) {
                throw new IOException(source + " changed size while it was archived: " + size + " then " + copied);
            }
            written += copied;
        }
        pad();
    }

    /** A symbolic link; its data is the target, as cpio stores it. */
    void symlink(String path, String target) throws IOException {
        entry(path, S_IFLNK | 0777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
    }

    /** A character device node, e.g. /dev/console (5, 1), which the kernel opens for init's stdio. */
    void charDevice(String path, int permissions, int major, int minor) throws IOException {
        entry(path, S_IFCHR | permissions, 1, major, minor, new byte[0]);
    }

    /** Writes the trailer; the archive is incomplete without it. */
    void finish() throws IOException {
        if (!finished) {
            entry(TRAILER, 0, 1, 0, 0, new byte[0]);
            finished = true;
        }
    }

    @Override
    public void close() throws IOException {
        finish();
        out.flush();
    }

    private void entry(String name, int mode, int nlink, int rdevMajor, int rdevMinor, byte[] data) throws IOException {
        header(name, mode, nlink, rdevMajor, rdevMinor, data.length);
        write(data);
        pad();
    }

    /** Everything of an entry before its data: the header and the padded name. */
    private void header(String name, int mode, int nlink, int rdevMajor, int rdevMinor, long size) throws IOException {
        if (size > 0xffffffffL) {
            throw new IllegalArgumentException("newc cannot hold a file of " + size + " bytes: " + name);
        }
        if (name.startsWith("/")) {
            throw new IllegalArgumentException("cpio names are relative: " + name);
        }
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder header = new StringBuilder("070701");
        int ino = name.equals(TRAILER) ? 0 : inode++;
        for (long field :
                new long[] {ino, mode, 0, 0, nlink, 0, size, 0, 0, rdevMajor, rdevMinor, nameBytes.length + 1, 0}) {
            header.append(String.format("%08x", field));
        }
        write(header.toString().getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        write(new byte[] {0});
        pad();
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        written += bytes.length;
    }

    private void pad() throws IOException {
        while (written % 4 != 0) {
            write(new byte[] {0});
        }
    }
}
