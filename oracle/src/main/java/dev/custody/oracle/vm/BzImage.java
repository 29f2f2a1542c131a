package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads a kernel's release from its bzImage, so the catalog names what the image really is rather
 * than what its file name or package claims. The x86 boot protocol puts the magic {@code HdrS} at
 * 0x202 and, at 0x20E, a pointer (relative to 0x200) to the version string, whose first word is the
 * release ({@code uname -r}).
 */
public final class BzImage {
    private static final int HEADER_MAGIC = 0x202;
    private static final int KERNEL_VERSION = 0x20E;

    private BzImage() {}

    /** The release, or empty when the file is not a bzImage with a version string. */
    public static Optional<String> release(Path bzImage) {
        try (FileChannel channel = FileChannel.open(bzImage)) {
            ByteBuffer head = ByteBuffer.allocate(0x10000).order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining() && channel.read(head) > 0) {
                // read the first 64 KiB (the setup code, where the version string lives)
            }
            int length = head.position();
            if (length < KERNEL_VERSION + 2) {
                return Optional.empty();
            }
            byte[] magic = new byte[4];
            head.get(HEADER_MAGIC, magic);
            if (!"HdrS".equals(new String(magic, StandardCharsets.US_ASCII))) {
                return Optional.empty();
            }
            int offset = Short.toUnsignedInt(head.getShort(KERNEL_VERSION)) + 0x200;
            int end = offset;
            while (end < length && head.get(end) != 0 && head.get(end) != ' ') {
                end++;
            }
            if (offset >= length || end == offset) {
                return Optional.empty();
            }
            byte[] release = new byte[end - offset];
            head.get(offset, release);
            return Optional.of(new String(release, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + bzImage, e);
        }
    }
}
