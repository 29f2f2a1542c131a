package dev.custody.persistence;

import com.typesafe.config.Config;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The default journal: an embedded H2 file in a fresh data directory. */
class H2JournalTest extends JdbcJournalContract {
    @TempDir
    Path dataDirectory;

    @Override
    Config journal() {
        return Journals.h2(dataDirectory);
    }
}
