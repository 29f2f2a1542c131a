package dev.custody.topology.sysfs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * How a capture's files are read. A capture may come from someone else, and root may import it, so
 * a file is read only when it is a plain file in the capture (never a symbolic link, a device or a
 * FIFO, which could point at {@code /dev/zero} or at another user's file), and never beyond what a
 * sysfs attribute can hold. The two files the live sysfs shows as links ({@code driver},
 * {@code iommu_group}) are read as the link's name, never followed, so the live tree and a capture
 * read alike. Errors name the file and the field, never what the file holds.
 */
final class CaptureFiles {
    /** A sysfs attribute is at most one page; PCIe config space is 4 KiB too. */
    static final int MAX_BYTES = 4096;

    private CaptureFiles() {}

    /** The file's bytes, or empty when it is absent. */
    static Optional<byte[]> read(Path file, String field) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (IOException e) {
            throw new MalformedCaptureException(
                    file, field, "unreadable: " + e.getClass().getSimpleName(), e);
        }
        if (attributes.isSymbolicLink()) {
            throw new MalformedCaptureException(file, field, "a symbolic link; a capture holds plain files only");
        }
        if (!attributes.isRegularFile()) {
            throw new MalformedCaptureException(file, field, "not a regular file");
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new MalformedCaptureException(
                        file, field, "more than " + MAX_BYTES + " bytes, larger than any sysfs file");
            }
            return Optional.of(bytes);
        } catch (IOException e) {
            throw new MalformedCaptureException(
                    file, field, "unreadable: " + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * What a file that sysfs shows as a symbolic link says: the last element of the link's target
     * ({@code driver -> ../../../bus/pci/drivers/nvme} says {@code nvme}), read without following the
     * link; or, in a capture, which holds plain files only, the text the capture wrote in its place.
     * Empty when it is absent.
     */
    static Optional<String> linkNameOrText(Path file, String field) {
        if (!Files.isSymbolicLink(file)) {
            return text(file, field);
        }
        Path target;
        try {
            target = Files.readSymbolicLink(file);
        } catch (NoSuchFileException vanished) {
            return Optional.empty();
        } catch (IOException e) {
            throw new MalformedCaptureException(
                    file, field, "unreadable link: " + e.getClass().getSimpleName(), e);
        }
        Path name = target.getFileName();
        if (name == null) {
            throw new MalformedCaptureException(file, field, "a symbolic link to no named file");
        }
        return Optional.of(name.toString());
    }

    /** The file as ASCII text without surrounding white space, or empty when it is absent. */
    static Optional<String> text(Path file, String field) {
        return read(file, field).map(bytes -> new String(bytes, StandardCharsets.US_ASCII).strip());
    }
}
