package dev.custody.oracle.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OracleHomeTest {
    @TempDir
    Path dir;

    @Test
    void thePropertyWinsAndWalkingUpFindsTheMarker() throws Exception {
        Path home = dir.resolve("repo");
        Files.createDirectories(home.resolve("scripts"));
        Files.writeString(home.resolve("scripts/oracle-kernel.sh"), "#!/bin/sh\n");
        Path deep = Files.createDirectories(home.resolve("simulations/target"));

        assertEquals(home, OracleHome.find(null, deep));
        assertEquals(home, OracleHome.find(home.toString(), dir));
        assertEquals(home, OracleHome.find("", deep), "a blank property is no property");
    }

    @Test
    void aWrongPropertyOrNoRepositoryIsAClearError() {
        IllegalStateException wrong = assertThrows(IllegalStateException.class, () -> OracleHome.find(dir.toString(), dir));
        assertTrue(wrong.getMessage().contains("-Dcustody.home=" + dir), wrong.getMessage());
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> OracleHome.find(null, dir));
        assertTrue(none.getMessage().contains("cannot find the custody repository"), none.getMessage());
        assertTrue(none.getMessage().contains("scripts/oracle-kernel.sh"), none.getMessage());
    }
}
