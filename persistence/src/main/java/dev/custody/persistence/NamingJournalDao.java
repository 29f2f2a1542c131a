package dev.custody.persistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.jdbc.config.EventJournalTableConfiguration;
import org.apache.pekko.persistence.jdbc.config.JournalConfig;
import org.apache.pekko.persistence.jdbc.journal.dao.DefaultJournalDao;
import org.apache.pekko.persistence.jdbc.journal.dao.JournalTables;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.scaladsl.Source;
import scala.Option;
import scala.Tuple2;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.concurrent.duration.FiniteDuration;
import scala.jdk.javaapi.FutureConverters;
import scala.util.Failure;
import scala.util.Try;
import slick.dbio.DBIOAction;
import slick.jdbc.JdbcBackend;
import slick.jdbc.JdbcProfile;
import slick.jdbc.SimpleJdbcAction;

/**
 * The JDBC journal's reads, with the damaged row named: when a row of a recovery cannot be read, the
 * failure names the persistence id and the sequence number of that row, not only Pekko's "last known
 * sequence number" (the last row recovered before it, or less: rows are read in batches). The row is
 * the first after the last one read, looked up in the table when the failure happens.
 *
 * <p>A recovery's batch of rows is read with one statement on the database's thread ({@link
 * ReplayBatchQuery}) rather than streamed through Slick a few rows at a time, decoded on the journal's
 * dispatcher, and the next batches are read and decoded while the actor takes the one before.
 */
public final class NamingJournalDao extends DefaultJournalDao {
    private final JdbcBackend.JdbcDatabaseDef database;
    private final EventJournalTableConfiguration table;
    private final Serialization serialization;
    private final ReplayBatchQuery batches;
    /** The journal's dispatcher: batches are decoded there, off the database's threads. */
    private final Executor decoding;

    public NamingJournalDao(
            JdbcBackend.JdbcDatabaseDef db,
            JdbcProfile profile,
            JournalConfig journalConfig,
            Serialization serialization,
            ExecutionContext ec,
            Materializer mat) {
        super(db, profile, journalConfig, serialization, ec, mat);
        this.database = db;
        this.table = journalConfig.eventJournalTableConfiguration();
        this.serialization = serialization;
        this.batches = new ReplayBatchQuery(table);
        this.decoding = ec::execute;
    }

    /** Where a recovery's next batch starts, or that the last batch has been read. */
    private record Next(long from, boolean more) {}

    /**
     * A recovery's rows, in batches as the plugin reads them (the same stop rules), in three stages that
     * run at once: the database reads batch n+2 while batch n+1 is decoded and the recovering actor takes
     * batch n. Two batches more are held in memory. A live query (a refresh interval) is the plugin's.
     */
    @Override
    public Source<Try<Tuple2<PersistentRepr, Object>>, NotUsed> messagesWithBatch(
            String persistenceId,
            long fromSequenceNr,
            long toSequenceNr,
            int batchSize,
            Option<Tuple2<FiniteDuration, Scheduler>> refreshInterval) {
        if (refreshInterval.isDefined()) {
            return super.messagesWithBatch(persistenceId, fromSequenceNr, toSequenceNr, batchSize, refreshInterval);
        }
        var rows = org.apache.pekko.stream.javadsl.Source.unfoldAsync(
                        new Next(Math.max(1, fromSequenceNr), true),
                        (Next next) -> next.more() && next.from() <= toSequenceNr
                                ? read(persistenceId, next.from(), toSequenceNr, batchSize)
                                        .thenApply(batch -> Optional.of(
                                                Pair.create(after(batch, next, toSequenceNr, batchSize), batch)))
                                : CompletableFuture.completedStage(Optional.empty()))
                .buffer(1, OverflowStrategy.backpressure())
                .mapAsync(
                        1,
                        batch -> CompletableFuture.supplyAsync(
                                () -> ReplayBatchQuery.decode(serialization, batch), decoding))
                .buffer(1, OverflowStrategy.backpressure())
                .mapConcat(batch -> batch);
        return named(persistenceId, fromSequenceNr, rows).asScala();
    }

    /** The plugin's rules: a batch that is not full, or that reached {@code to}, is the last. */
    private static Next after(
            List<JournalTables.JournalPekkoSerializationRow> batch, Next next, long toSequenceNr, int batchSize) {
        if (batch.size() < batchSize) {
            return new Next(next.from(), false);
        }
        long last = batch.getLast().sequenceNumber();
        return new Next(last + 1, last < toSequenceNr);
    }

    @Override
    public Source<Try<Tuple2<PersistentRepr, Object>>, NotUsed> messages(
            String persistenceId, long fromSequenceNr, long toSequenceNr, long max) {
        var rows = org.apache.pekko.stream.javadsl.Source.completionStage(
                        read(persistenceId, fromSequenceNr, toSequenceNr, max)
                                .thenApply(batch -> ReplayBatchQuery.decode(serialization, batch)))
                .mapConcat(batch -> batch);
        return named(persistenceId, fromSequenceNr, rows).asScala();
    }

    /** A row that cannot be decoded becomes a failure naming it. */
    private org.apache.pekko.stream.javadsl.Source<Try<Tuple2<PersistentRepr, Object>>, NotUsed> named(
            String persistenceId,
            long fromSequenceNr,
            org.apache.pekko.stream.javadsl.Source<Try<Tuple2<PersistentRepr, Object>>, NotUsed> rows) {
        return rows.statefulMap(
                () -> fromSequenceNr - 1,
                (Long lastRead, Try<Tuple2<PersistentRepr, Object>> row) -> {
                    if (row.isSuccess()) {
                        return Pair.create(row.get()._1().sequenceNr(), row);
                    }
                    Throwable cause = ((Failure<Tuple2<PersistentRepr, Object>>) row).exception();
                    return Pair.create(
                            lastRead,
                            new Failure<Tuple2<PersistentRepr, Object>>(named(persistenceId, lastRead, cause)));
                },
                lastRead -> Optional.empty());
    }

    private CompletionStage<List<JournalTables.JournalPekkoSerializationRow>> read(
            String persistenceId, long from, long to, long max) {
        return FutureConverters.asJava(run(
                SimpleJdbcAction.apply(context -> batches.read(context.connection(), persistenceId, from, to, max))));
    }

    /** Runs a plain JDBC action on the journal's database, on its threads and with its connections. */
    @SuppressWarnings({"unchecked", "rawtypes"}) // the action's effect type, Scala's Nothing, has no Java spelling
    private <R> Future<R> run(SimpleJdbcAction<R> action) {
        return database.run((DBIOAction) action);
    }

    private Throwable named(String persistenceId, long lastRead, Throwable cause) {
        String row = damagedRow(persistenceId, lastRead)
                .map(seq -> "the row with sequence number " + seq)
                .orElse("the row after sequence number " + lastRead);
        java.io.NotSerializableException named = new java.io.NotSerializableException(
                row + " of persistence id " + persistenceId + " cannot be read: " + cause.getMessage());
        named.initCause(cause);
        return named;
    }

    /** The first row of {@code persistenceId} after {@code lastRead}: the one that failed. */
    private Optional<Long> damagedRow(String persistenceId, long lastRead) {
        String name = table.schemaName().isDefined()
                ? quoted(table.schemaName().get()) + "." + quoted(table.tableName())
                : quoted(table.tableName());
        String sql = "select min(" + quoted(table.columnNames().sequenceNumber()) + ") from " + name + " where "
                + quoted(table.columnNames().persistenceId()) + " = ? and "
                + quoted(table.columnNames().sequenceNumber()) + " > ?";
        try (Connection connection = database.source().createConnection();
                PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, persistenceId);
            query.setLong(2, lastRead);
            try (ResultSet result = query.executeQuery()) {
                return result.next() && result.getObject(1) != null ? Optional.of(result.getLong(1)) : Optional.empty();
            }
        } catch (SQLException | RuntimeException e) {
            return Optional.empty(); // the failure is reported without the number rather than not at all
        }
    }

    private static String quoted(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
