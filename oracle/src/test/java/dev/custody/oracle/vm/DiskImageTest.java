package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The power-loss crash test's disk, made and read on the host with e2fsprogs (no VM, no mount). */
class DiskImageTest {
    @TempDir
    Path dir;

    @Test
    void aNewImageIsASparseExt4FileSystemWithAJournalAndItsLabel() throws Exception {
        DiskImage disk = DiskImage.format(dir.resolve("disk.img"), 256, "custody-test");
        assertEquals(256L << 20, Files.size(disk.file()));
        String superblock = Commands.check(
                List.of(DiskImage.locate("dumpe2fs"), "-h", disk.file().toString()), null, Duration.ofMinutes(1));
        assertTrue(superblock.contains("Filesystem volume name:   custody-test"), superblock);
        assertTrue(superblock.contains("has_journal"), "the guest's ext4 must journal, as a host's does");
        long allocatedBlocks = Long.parseLong(
                Commands.check(List.of("stat", "-c", "%b", disk.file().toString()), null, Duration.ofMinutes(1))
                        .strip());
        assertTrue(allocatedBlocks * 512 < 128L << 20, "the image is sparse: " + allocatedBlocks + " blocks");
    }

    @Test
    void aFileInTheImageComesOutAsItWasAndTheImageIsLeftAsItWas() throws Exception {
        DiskImage disk = DiskImage.format(dir.resolve("disk.img"), 64, "custody-test");
        byte[] contents = new byte[70_000];
        new java.util.Random(7).nextBytes(contents);
        Path host = Files.write(dir.resolve("journal.mv.db"), contents);
        Commands.check(
                List.of(
                        DiskImage.locate("debugfs"),
                        "-w",
                        "-R",
                        "write " + host + " custody-journal.mv.db",
                        disk.file().toString()),
                null,
                Duration.ofMinutes(1));
        String before = sha256(disk.file());

        Path copy = dir.resolve("copy.mv.db");
        assertTrue(disk.copyOut("/custody-journal.mv.db", copy, dir.resolve("scratch.img")));

        assertArrayEquals(contents, Files.readAllBytes(copy));
        assertEquals(before, sha256(disk.file()), "reading a file out must not change the image");
        assertFalse(Files.exists(dir.resolve("scratch.img")), "the replayed copy is removed");
    }

    @Test
    void aFileTheImageDoesNotHoldIsAbsentAndNoStaleCopyRemains() throws Exception {
        DiskImage disk = DiskImage.format(dir.resolve("disk.img"), 64, "custody-test");
        Path copy = Files.writeString(dir.resolve("copy.mv.db"), "an older copy");
        assertFalse(disk.copyOut("/custody-journal.mv.db", copy, dir.resolve("scratch.img")));
        assertFalse(Files.exists(copy), "an older copy would be audited as if the disk held it");
    }

    @Test
    void qemuGetsTheImageAsAVirtioDiskWithWritebackCaching() throws Exception {
        Path file = Files.createDirectories(dir.resolve("a,b")).resolve("disk.img");
        DiskImage disk = DiskImage.format(file, 64, "custody-test");
        assertEquals(
                List.of(
                        "-drive",
                        "file=" + file.toString().replace(",", ",,") + ",format=raw,if=none,id=disk0,cache=writeback",
                        "-device",
                        "virtio-blk-pci,drive=disk0"),
                disk.qemuArguments("disk0"));
        assertThrows(IllegalArgumentException.class, () -> disk.qemuArguments("disk,0"));
    }

    @Test
    void badSizesAndPathsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> DiskImage.format(dir.resolve("d.img"), 8, "x"));
        assertThrows(IllegalArgumentException.class, () -> DiskImage.at(dir.resolve("none.img")));
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
