package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestClassPathTest {
    @TempDir
    Path dir;

    @Test
    void jarsAndClassDirectoriesKeepTheirOrderUnderNamesOfTheirOwn() throws Exception {
        Path jar = Files.writeString(dir.resolve("lib.jar"), "a jar");
        Path classes = Files.createDirectories(dir.resolve("one/classes"));
        Files.createDirectories(classes.resolve("x"));
        Files.writeString(classes.resolve("x/Y.class"), "code");
        Files.writeString(classes.resolve("reference.conf"), "a = 1");
        Path otherClasses = Files.createDirectories(dir.resolve("two/classes"));
        Files.writeString(otherClasses.resolve("Z.class"), "code");

        GuestClassPath.Contents contents =
                GuestClassPath.of(List.of(classes, dir.resolve("missing.jar"), jar, otherClasses));

        assertEquals("/app/0-classes:/app/1-lib.jar:/app/2-classes", contents.classPath());
        assertEquals(
                List.of(
                        "app",
                        "app/0-classes",
                        "app/0-classes/reference.conf",
                        "app/0-classes/x",
                        "app/0-classes/x/Y.class",
                        "app/1-lib.jar",
                        "app/2-classes",
                        "app/2-classes/Z.class"),
                contents.files().stream().map(GuestFile::path).toList());
        assertEquals(
                classes.resolve("x/Y.class"), contents.files().get(4).source().orElseThrow());
    }

    @Test
    void aClassPathWithNothingOnItIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> GuestClassPath.of(List.of(dir.resolve("gone"))));
    }
}
