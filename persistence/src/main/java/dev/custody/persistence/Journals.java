package dev.custody.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.Map;

/**
 * Configuration of the three journals. Each method returns only the keys it sets; put it in front of
 * the application's configuration: {@code Journals.h2(dir).withFallback(ConfigFactory.load())}. Before
 * starting an ActorSystem on H2 or PostgreSQL, call {@link SchemaCreator#createIfMissing(Config)} with
 * the same configuration (the JDBC plugin does not create its tables itself).
 *
 * <p>Every journal serializes {@code JournalRecord}s with {@link KryoJournalSerializer}, and Java
 * serialization stays off. The in-memory journal keeps objects as they are (no serialization), which
 * is what makes it fast; the golden-file and JDBC tests cover the bytes.
 */
public final class Journals {
    private Journals() {}

    /**
     * The tag on every journaled event: the JDBC read journal's {@code currentEventsByTag} / {@code
     * eventsByTag} with this tag gives one timeline of all entities, in the order the rows were written.
     */
    public static final String TIMELINE_TAG = "custody";

    /** The JDBC plugin ids, for a read journal: {@code PersistenceQuery.get(system).getReadJournalFor(..., READ_JOURNAL)}. */
    public static final String JOURNAL = "jdbc-journal";

    public static final String SNAPSHOT_STORE = "jdbc-snapshot-store";
    public static final String READ_JOURNAL = "jdbc-read-journal";

    /** The file name of the H2 database under the data directory (H2 adds ".mv.db"). */
    public static final String H2_FILE = "custody-journal";

    /** Pekko's in-memory journal and {@link InMemorySnapshotStore}: for tests and scenario runs. */
    public static Config inMemory() {
        return ConfigFactory.parseMap(Map.of(
                        "pekko.persistence.journal.plugin", "pekko.persistence.journal.inmem",
                        "pekko.persistence.snapshot-store.plugin", "custody-inmem-snapshot-store",
                        "custody-inmem-snapshot-store.class", InMemorySnapshotStore.class.getName(),
                        "custody-inmem-snapshot-store.plugin-dispatcher", "pekko.actor.default-dispatcher"))
                .withFallback(serialization());
    }

    /** The default: an embedded H2 database file {@value #H2_FILE} in {@code dataDirectory}; no server. */
    public static Config h2(Path dataDirectory) {
        String url = h2FileUrl(dataDirectory) + ";DATABASE_TO_UPPER=false;WRITE_DELAY=0";
        return jdbc("slick.jdbc.H2Profile$", "org.h2.Driver", url, "sa", "");
    }

    /**
     * {@code jdbc:h2:file:} and the database file in {@code dataDirectory}, made absolute and normal. H2
     * reads everything after a ';' in the URL as settings (INIT=RUNSCRIPT runs a script), so a directory
     * holding one, or a control character, is refused rather than pasted into the URL.
     */
    static String h2FileUrl(Path dataDirectory) {
        String directory = dataDirectory.toAbsolutePath().normalize().toString();
        for (int n = 0; n < directory.length(); n++) {
            char c = directory.charAt(n);
            if (c == ';' || Character.isISOControl(c)) {
                throw new IllegalArgumentException("an H2 journal directory may not contain "
                        + (c == ';' ? "';' (it starts JDBC URL settings)" : "control characters")
                        + ": \"" + dataDirectory + "\"");
            }
        }
        return "jdbc:h2:file:" + Path.of(directory).resolve(H2_FILE);
    }

    /** A PostgreSQL database, e.g. {@code jdbc:postgresql://127.0.0.1:5432/custody}; same tables as H2. */
    public static Config postgres(String jdbcUrl, String user, String password) {
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
        }
        return jdbc("slick.jdbc.PostgresProfile$", "org.postgresql.Driver", jdbcUrl, user, password);
    }

    /** The serializer binding alone (already in this module's reference.conf; repeated so it cannot be lost). */
    public static Config serialization() {
        return ConfigFactory.parseString("""
                pekko.actor {
                  allow-java-serialization = off
                  serializers { %s = "%s" }
                  serialization-bindings { "dev.custody.entity.JournalRecord" = %s }
                }
                """.formatted(
                        KryoJournalSerializer.NAME, KryoJournalSerializer.class.getName(), KryoJournalSerializer.NAME));
    }

    /**
     * pekko-persistence-jdbc with one connection pool ("slick") shared by the journal, the snapshot
     * store and the read journal, so an embedded H2 file is opened by one pool only.
     */
    private static Config jdbc(String profile, String driver, String url, String user, String password) {
        Config db = ConfigFactory.empty()
                .withValue("url", ConfigValueFactory.fromAnyRef(url))
                .withValue("user", ConfigValueFactory.fromAnyRef(user))
                .withValue("password", ConfigValueFactory.fromAnyRef(password))
                .withValue("driver", ConfigValueFactory.fromAnyRef(driver))
                .withValue("numThreads", ConfigValueFactory.fromAnyRef(5))
                .withValue("maxConnections", ConfigValueFactory.fromAnyRef(5))
                .withValue("minConnections", ConfigValueFactory.fromAnyRef(1));
        return ConfigFactory.parseMap(Map.of(
                        "pekko.persistence.journal.plugin",
                        JOURNAL,
                        "pekko.persistence.snapshot-store.plugin",
                        SNAPSHOT_STORE,
                        JOURNAL + ".use-shared-db",
                        "slick",
                        JOURNAL + ".dao",
                        NamingJournalDao.class.getName(),
                        SNAPSHOT_STORE + ".use-shared-db",
                        "slick",
                        READ_JOURNAL + ".use-shared-db",
                        "slick",
                        "pekko-persistence-jdbc.shared-databases.slick.profile",
                        profile))
                .withValue("pekko-persistence-jdbc.shared-databases.slick.db", db.root())
                .withFallback(serialization());
    }
}
