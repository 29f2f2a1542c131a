package dev.custody.oracle.vm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A minimal newc reader for the tests, independent of {@link CpioWriter}'s code. */
final class CpioReader {
    record Entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private CpioReader() {}

    static List<Entry> read(byte[] archive) {
        List<Entry> entries = new ArrayList<>();
        int pos = 0;
        while (true) {
            String magic = new String(archive, pos, 6, StandardCharsets.US_ASCII);
            if (!magic.equals("070701")) {
                throw new IllegalStateException("bad magic at " + pos + ": " + magic);
            }
            long[] field = new long[13];
            for (int i = 0; i < 13; i++) {
                field[i] = Long.parseLong(new String(archive, pos + 6 + 8 * i, 8, StandardCharsets.US_ASCII), 16);
            }
            int nameSize = (int) field[11];
            String name = new String(archive, pos + 110, nameSize - 1, StandardCharsets.UTF_8);
            if (archive[pos + 110 + nameSize - 1] != 0) {
                throw new IllegalStateException("name of " + name + " is not NUL terminated");
            }
            pos = align(pos + 110 + nameSize);
            int size = (int) field[6];
            byte[] data = Arrays.copyOfRange(archive, pos, pos + size);
            pos = align(pos + size);
            if (name.equals("TRAILER!!!")) {
                if (pos != archive.length) {
                    throw new IllegalStateException("bytes after the trailer: " + (archive.length - pos));
                }
                return entries;
            }
            entries.add(new Entry(name, (int) field[1], (int) field[9], (int) field[10], data));
        }
    }

    private static int align(int pos) {
        return (pos + 3) & ~3;
    }
}
