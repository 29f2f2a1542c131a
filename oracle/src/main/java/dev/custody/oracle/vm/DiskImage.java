package dev.custody.oracle.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * A raw disk image holding one ext4 file system, for a guest that needs storage which outlives it:
 * QEMU gives it to the guest as a virtio-blk disk ({@code /dev/vda}), and the host reads files back
 * out of it with e2fsprogs, without mounting anything (no privileges needed).
 *
 * <p>The image is sparse: a 2 GiB disk costs what is written to it (the file system's own journal,
 * 64 MiB, is written by mkfs). The guest's writes reach this file when the guest kernel writes its
 * page cache back or syncs; killing QEMU loses whatever the guest kernel still held, which is what
 * a power cut does to a host.
 */
public final class DiskImage {
    /** The device the first virtio-blk disk gets in the guest. */
    public static final String GUEST_DEVICE = "/dev/vda";

    static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);

    private final Path file;

    private DiskImage(Path file) {
        this.file = file;
    }

    /** The image at {@code file}, which must exist (made by {@link #format}). */
    public static DiskImage at(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no disk image at " + file);
        }
        return new DiskImage(file);
    }

    /** A new image of {@code mebibytes} MiB with an empty ext4 file system labelled {@code label}; replaces {@code file}. */
    public static DiskImage format(Path file, int mebibytes, String label) {
        if (mebibytes < 64) {
            throw new IllegalArgumentException("an ext4 image needs at least 64 MiB, not " + mebibytes);
        }
        try {
            Files.deleteIfExists(file);
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the disk image " + file, e);
        }
        // Inode tables and the file system's journal are initialised now, on the host: left lazy, the
        // guest kernel would zero them in the background, slowly under TCG, while the test runs.
        tool(mkfsCommand(file, mebibytes, label));
        return new DiskImage(file);
    }

    static List<String> mkfsCommand(Path file, int mebibytes, String label) {
        return List.of(
                "mkfs.ext4",
                "-q",
                "-F",
                "-L",
                label,
                "-E",
                "lazy_itable_init=0,lazy_journal_init=0",
                file.toString(),
                mebibytes + "M");
    }

    public Path file() {
        return file;
    }

    /**
     * QEMU's arguments for this image as the guest's virtio-blk disk. The host's cache mode is
     * writeback, QEMU's default: the guest sees a disk with a volatile write cache and must flush it,
     * and what the guest did write survives QEMU's death in the host's page cache.
     */
    public List<String> qemuArguments(String id) {
        if (!id.matches("[A-Za-z][A-Za-z0-9_-]*")) {
            throw new IllegalArgumentException("a QEMU id is a letter then letters, digits, - or _: " + id);
        }
        // QEMU's option syntax doubles a comma inside a value
        String path = file.toAbsolutePath().toString().replace(",", ",,");
        return List.of(
                "-drive",
                "file=" + path + ",format=raw,if=none,id=" + id + ",cache=writeback",
                "-device",
                "virtio-blk-pci,drive=" + id);
    }

    /**
     * Copies the guest file {@code guestPath} to {@code target} as the guest would read it at its next
     * boot: from a copy of the image whose file system journal has been replayed (what the guest
     * kernel's mount does after a crash), so the image itself stays exactly as the guest left it.
     *
     * @return false when the file does not exist in the image
     */
    public boolean copyOut(String guestPath, Path target, Path scratch) {
        if (!guestPath.startsWith("/") || guestPath.contains("\"") || guestPath.contains("\n")) {
            throw new IllegalArgumentException("a plain absolute guest path, not " + guestPath);
        }
        try {
            Files.deleteIfExists(target);
            Files.deleteIfExists(scratch);
            tool(List.of("cp", "--sparse=always", file.toString(), scratch.toString()));
            replayJournal(scratch);
            tool(List.of("debugfs", "-R", "dump -p \"" + guestPath + "\" \"" + target + "\"", scratch.toString()));
            Files.deleteIfExists(scratch);
            return Files.isRegularFile(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + guestPath + " out of " + file, e);
        }
    }

    /** Writes the file system journal's committed transactions into place, and nothing else (no repairs). */
    static void replayJournal(Path image) {
        Commands.Output output = Commands.run(
                List.of("e2fsck", "-E", "journal_only", "-y", image.toString()), null, TOOL_TIMEOUT, l -> {});
        // 0: nothing to do, 1: the journal was replayed; anything else is a file system the guest could not mount
        // either
        if (output.exitCode() > 1) {
            throw new IllegalStateException("e2fsck could not replay the journal of " + image + " (exit "
                    + output.exitCode() + "):\n" + output.stdout() + output.stderr());
        }
    }

    private static String tool(List<String> command) {
        List<String> resolved = new java.util.ArrayList<>(command);
        resolved.set(0, locate(command.getFirst()));
        return Commands.check(resolved, null, TOOL_TIMEOUT);
    }

    /** e2fsprogs installs in /usr/sbin, which is not on a user's PATH on Debian. */
    static String locate(String tool) {
        return VirtualMachine.locate(tool)
                .or(() -> Stream.of("/usr/sbin", "/sbin")
                        .map(dir -> Path.of(dir, tool))
                        .filter(Files::isExecutable)
                        .findFirst())
                .map(Path::toString)
                .orElseThrow(() -> new IllegalStateException(tool + " is not installed; install Debian's "
                        + (tool.equals("cp") ? "coreutils" : "e2fsprogs")));
    }
}
