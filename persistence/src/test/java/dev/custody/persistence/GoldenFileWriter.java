package dev.custody.persistence;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Not a check: writes the golden files of new classes when -Dcustody.golden.write=DIR is given. */
class GoldenFileWriter {
    @Test
    @EnabledIfSystemProperty(named = "custody.golden.write", matches = ".+")
    void writeMissingGoldenFiles() throws Exception {
        GoldenFiles.writeMissing(Path.of(System.getProperty("custody.golden.write")));
    }
}
