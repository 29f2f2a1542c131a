package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OracleFilesTest {
    @TempDir
    Path cache;

    @Test
    void everyFileIsUnpackedFromTheClassPathUnderItsContentHash() throws Exception {
        Path first = OracleFiles.unpackInto(cache);
        for (Path file : OracleFiles.ALL) {
            try (InputStream resource = OracleFiles.class.getResourceAsStream("/dev/custody/oracle/" + file)) {
                assertArrayEquals(resource.readAllBytes(), Files.readAllBytes(first.resolve(file)), file.toString());
            }
        }
        assertTrue(Files.readString(first.resolve(OracleFiles.KERNEL_SCRIPT)).startsWith("#!/usr/bin/env bash"));
        assertEquals(first, OracleFiles.unpackInto(cache), "a second run reuses the same directory");
        try (var entries = Files.list(cache)) {
            assertEquals(1, entries.count(), "no partial copies are left behind");
        }
    }
}
