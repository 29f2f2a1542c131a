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

    /** {@link InMemoryJournal} and {@link InMemorySnapshotStore}: for tests and scenario runs. */
    public static Config inMemory() {
        return ConfigFactory.parseMap(Map.of(
                        "pekko.persistence.journal.plugin", "custody-inmem-journal",
                        "custody-inmem-journal.class", InMemoryJournal.class.getName(),
                        "custody-inmem-journal.plugin-dispatcher", "pekko.actor.default-dispatcher",
                        "pekko.persistence.snapshot-store.plugin", "custody-inmem-snapshot-store",
                        "custody-inmem-snapshot-store.class", InMemorySnapshotStore.class.getName(),
                        "custody-inmem-snapshot-store.plugin-dispatcher", "pekko.actor.default-dispatcher"))
                .withFallback(serialization());
    }

    /**
     * How many writes may wait in the JDBC journal's queue (its {@code bufferSize}, 1,000 by default).
     * Booting a host starts an actor per device, group and domain, and each writes its part of the boot
     * at once: on a 4,096-group host (about 12,000 entities) the queue overflowed, every write after it
     * failed, Pekko's circuit breaker opened, and entities failed their recovery although the journal
     * was fine. A waiting write is a few hundred bytes.
     */
    static final String WRITE_QUEUE_ROWS = "100000";

    /**
     * How many rows one query of a recovery reads (the JDBC journal's {@code replayBatchSize}, 400 by
     * default). The coordinator of a 1M-event journal replays about 500,000 rows without a snapshot:
     * 1,250 queries of 400, each a new statement and a wait for the next. A row is a few hundred bytes,
     * so a batch holds a few MB while the actor folds it.
     */
    static final int REPLAY_BATCH_ROWS = 10_000;

    /**
     * How long one journal or snapshot call may take before Pekko's circuit breaker fails it (its
     * default is 10 s). A crash test on a machine at load 9 saw the coordinator's snapshot load take
     * longer twice in a row after a SIGKILL, and the engine gave up its recovery although the database
     * was only slow; a local database that is slow is busy, not gone.
     */
    static final String CALL_TIMEOUT = "30s";

    /**
     * How long an entity's recovery waits for its snapshot or its next event before it fails (Pekko's
     * {@code recovery-event-timeout}, 30 s by default). A power-loss crash test's VM, emulated on a
     * machine at load 15, took longer than that to hand the coordinator its snapshot after a cut, and
     * the engine refused to start on a journal that was intact; slow is not broken.
     */
    static final String RECOVERY_WAIT = "120s";

    /**
     * How long a journal call waits for a new database connection before it fails (HikariCP's {@code
     * connectionTimeout}; pekko-persistence-jdbc's reference gives 180 s). With PostgreSQL gone, every
     * write and recovery waited that long, so the circuit breaker's {@link #CALL_TIMEOUT} failed them
     * instead, 30 s later, and callers saw a hang rather than an error (JournalOutageTest). A connection
     * that can be made is made in milliseconds on a reachable server; the pool has as many connections
     * as threads, so no call waits here for another call's connection. HikariCP requires its
     * validation timeout to be shorter.
     */
    static final String CONNECT_WAIT = "5s";

    static final String CONNECTION_CHECK_WAIT = "2s";

    /**
     * How long the circuit breaker stays open after {@code max-failures} failed calls before it lets
     * one call through to try the database again (Pekko's default is 30 s for the journal, 60 s for the
     * snapshot store). That is how long an engine stays down after its database has come back: with
     * this, a few seconds. A try while the database is still gone costs one call of {@link
     * #CONNECT_WAIT}.
     */
    static final String BREAKER_RETRY_AFTER = "5s";

    /**
     * How many of the entities' batch inserts may run at once on H2 (the JDBC journal's {@code
     * parallelism}, 8 by default). H2 stores every commit as a chunk of its file, one after the other,
     * so parallel entity transactions only take the pool's threads from the coordinator's write, which a
     * caller waits for; with one at a time, every entity write that arrives meanwhile joins the next
     * transaction (up to the plugin's {@code batchSize} rows), and fewer chunks are stored.
     */
    static final int H2_ENTITY_WRITERS = 1;

    /** The coordinator's journal plugin on H2: the JDBC journal, synced after each write ({@link SyncedJdbcJournal}). */
    public static final String SYNCED_JOURNAL = "custody-synced-journal";

    /**
     * H2's WRITE_DELAY, in milliseconds: 0, every commit is stored to the file at once. With 100 (a
     * background writer storing and compacting the file as it goes) the file stayed small, but a
     * SIGKILL crash test twice left an H2 file that could not be opened again ("Chunk 505 not found",
     * cycle 38 of 100; cycle 4 of another run), which WRITE_DELAY=0 never did. The price is a larger
     * file: a 3,000-operation run left 98 MB that compacts to 0.6 MB. Durability of an answer does not
     * depend on this setting: the coordinator's journal syncs every write it answers with.
     */
    static final int H2_WRITE_DELAY_MILLIS = 0;

    /**
     * How long H2 may compact the file when the engine closes it (H2's MAX_COMPACT_TIME, 200 ms by
     * default), in milliseconds. A closed journal is what an investigator copies and what a restart
     * reads: after a 20,000-operation simulation the file was 422 MB with the default, because 200 ms
     * moved nothing, and 14 MB with this (6 MB compacted; docs/BENCHMARKS.md, "Journal size on disk").
     * It costs a clean stop at most this long; a kill skips it, and recovery does not need it.
     */
    static final int H2_CLOSE_COMPACT_MILLIS = 5_000;

    /*
     * H2's RETENTION_TIME stays at its default (45 s), so a busy file holds about the last 45 to 90 s of
     * its writes (docs/BENCHMARKS.md, "Journal size on disk"); a clean stop gives the room back ({@link
     * #H2_CLOSE_COMPACT_MILLIS}). The sync thread holds reuse back behind its last fsync ({@link
     * H2SyncedVersionPin}), which would make 0 safe against a power cut's write order, but with 0 (set
     * on the open store by the sync thread) `crash-test --cycles 30 --seed 2026` on H2 2.3.232 lost 40
     * acknowledged decisions to one SIGKILL during a recovery: the reopened file went back to the state
     * of four cycles before (docs/decisions.md). With 500 ms, on H2 2.5.252, the crash tests had lost
     * synced decisions too (7 in 17 cycles; --power-loss the last decision before every cut).
     */

    /** The default: an embedded H2 database file {@value #H2_FILE} in {@code dataDirectory}; no server. */
    public static Config h2(Path dataDirectory) {
        return h2At(h2FileLocation(dataDirectory));
    }

    /**
     * {@code file:} and the database file in {@code dataDirectory}, made absolute and normal. H2 reads
     * everything after a ';' in the URL as settings (INIT=RUNSCRIPT runs a script), so a directory
     * holding one, or a control character, is refused rather than pasted into the URL.
     */
    static String h2FileLocation(Path dataDirectory) {
        String directory = dataDirectory.toAbsolutePath().normalize().toString();
        for (int n = 0; n < directory.length(); n++) {
            char c = directory.charAt(n);
            if (c == ';' || Character.isISOControl(c)) {
                throw new IllegalArgumentException("an H2 journal directory may not contain "
                        + (c == ';' ? "';' (it starts JDBC URL settings)" : "control characters")
                        + ": \"" + dataDirectory + "\"");
            }
        }
        return "file:" + Path.of(directory).resolve(H2_FILE);
    }

    /**
     * An embedded H2 database at an H2 location ({@code file:/path/name}, or one of H2's file system
     * wrappers, which is how tests watch what reaches the disk). The coordinator writes through {@link
     * #SYNCED_JOURNAL}, so an answer follows an fsync; the entities write through the plain journal.
     *
     * <p>{@code DB_CLOSE_ON_EXIT=FALSE}: the runtime closes the database itself, after the engine has
     * stopped. H2's own shutdown hook closed it under a {@code custody serve} stopping on SIGTERM, whose
     * engine then could not write its last decisions' effects (crash-test --serve found them open); a
     * process that exits without closing leaves the file as a SIGKILL does, which recovery handles.
     */
    public static Config h2At(String location) {
        String url = "jdbc:h2:" + location
                + ";DATABASE_TO_UPPER=false;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=" + H2_WRITE_DELAY_MILLIS
                + ";MAX_COMPACT_TIME=" + H2_CLOSE_COMPACT_MILLIS;
        Config synced = ConfigFactory.defaultReference()
                .getConfig(JOURNAL)
                .withValue("class", ConfigValueFactory.fromAnyRef(SyncedJdbcJournal.class.getName()))
                .withValue("use-shared-db", ConfigValueFactory.fromAnyRef("slick"))
                .withValue("dao", ConfigValueFactory.fromAnyRef(NamingJournalDao.class.getName()))
                .withValue("circuit-breaker.call-timeout", ConfigValueFactory.fromAnyRef(CALL_TIMEOUT))
                .withValue("circuit-breaker.reset-timeout", ConfigValueFactory.fromAnyRef(BREAKER_RETRY_AFTER))
                .withValue("recovery-event-timeout", ConfigValueFactory.fromAnyRef(RECOVERY_WAIT))
                .withValue("replayBatchSize", ConfigValueFactory.fromAnyRef(REPLAY_BATCH_ROWS));
        return jdbc("slick.jdbc.H2Profile$", "org.h2.Driver", url, "sa", "")
                .withValue(JOURNAL + ".parallelism", ConfigValueFactory.fromAnyRef(H2_ENTITY_WRITERS))
                .withValue(SYNCED_JOURNAL, synced.root())
                .withValue("custody.coordinator-journal", ConfigValueFactory.fromAnyRef(SYNCED_JOURNAL));
    }

    /**
     * A PostgreSQL database, e.g. {@code jdbc:postgresql://127.0.0.1:5432/custody}; same tables as H2. A
     * commit there is on stable storage when the server runs with {@code fsync} and {@code
     * synchronous_commit} on (its defaults), so the coordinator needs no journal of its own.
     */
    public static Config postgres(String jdbcUrl, String user, String password) {
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + JournalCredentials.redacted(jdbcUrl));
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
                .withValue("minConnections", ConfigValueFactory.fromAnyRef(1))
                .withValue("connectionTimeout", ConfigValueFactory.fromAnyRef(CONNECT_WAIT))
                .withValue("validationTimeout", ConfigValueFactory.fromAnyRef(CONNECTION_CHECK_WAIT));
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
                        JOURNAL + ".bufferSize",
                        WRITE_QUEUE_ROWS,
                        JOURNAL + ".circuit-breaker.call-timeout",
                        CALL_TIMEOUT,
                        SNAPSHOT_STORE + ".circuit-breaker.call-timeout",
                        CALL_TIMEOUT,
                        READ_JOURNAL + ".use-shared-db",
                        "slick",
                        "pekko-persistence-jdbc.shared-databases.slick.profile",
                        profile))
                .withValue(JOURNAL + ".recovery-event-timeout", ConfigValueFactory.fromAnyRef(RECOVERY_WAIT))
                .withValue(
                        JOURNAL + ".circuit-breaker.reset-timeout", ConfigValueFactory.fromAnyRef(BREAKER_RETRY_AFTER))
                .withValue(
                        SNAPSHOT_STORE + ".circuit-breaker.reset-timeout",
                        ConfigValueFactory.fromAnyRef(BREAKER_RETRY_AFTER))
                .withValue(JOURNAL + ".replayBatchSize", ConfigValueFactory.fromAnyRef(REPLAY_BATCH_ROWS))
                .withValue("pekko-persistence-jdbc.shared-databases.slick.db", db.root())
                .withFallback(serialization());
    }
}
