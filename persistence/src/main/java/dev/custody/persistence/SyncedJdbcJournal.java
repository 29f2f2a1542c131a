package dev.custody.persistence;

import com.typesafe.config.Config;
import dev.custody.entity.KernelJournal;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.jdbc.journal.JdbcAsyncWriteJournal;
import scala.collection.immutable.Seq;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * The coordinator's journal on an embedded H2 file: the JDBC journal, whose write completes only once
 * it is on stable storage. H2 commits to its page cache; after the commit this journal asks {@link
 * H2GroupSync} to store and fsync, and concurrent writes share one sync. The entities' journals stay on
 * the plain JDBC journal: they are derived from the coordinator's, which is synced after every write
 * the coordinator answers a caller with, and a sync covers everything committed before it.
 *
 * <p>A write of nothing but commands that changed nothing ({@link KernelJournal.Answered}) is not
 * synced here: their callers were answered as soon as every decision they saw was durable, and
 * {@link H2GroupSync} syncs such writes within a fraction of a second all the same. A write holding
 * how far the entities are ({@link KernelJournal.AppliedThrough}) is synced like a decision:
 * {@code quiesce()} answers once that mark is in the journal, and a crash test found the mark of a
 * quiet engine gone after a SIGKILL when H2 still held it in memory (its write delay).
 */
public final class SyncedJdbcJournal extends JdbcAsyncWriteJournal {

    private static final String DB = "pekko-persistence-jdbc.shared-databases.slick.db.";

    private final H2GroupSync sync;

    public SyncedJdbcJournal(Config config) {
        super(config);
        Config root = context().system().settings().config();
        this.sync = new H2GroupSync(
                root.getString(DB + "url"), root.getString(DB + "user"), root.getString(DB + "password"));
    }

    @Override
    public Future<Seq<Try<BoxedUnit>>> asyncWriteMessages(Seq<AtomicWrite> messages) {
        Future<Seq<Try<BoxedUnit>>> written = super.asyncWriteMessages(messages);
        if (onlyAnswers(messages)) {
            return written;
        }
        CompletionStage<Seq<Try<BoxedUnit>>> synced = FutureConverters.asJava(written)
                .thenCompose(results -> sync.request().thenApply(done -> results));
        return FutureConverters.asScala(synced);
    }

    private static boolean onlyAnswers(Seq<AtomicWrite> messages) {
        for (AtomicWrite write : CollectionConverters.asJava(messages)) {
            for (PersistentRepr repr : CollectionConverters.asJava(write.payload())) {
                if (!(repr.payload() instanceof KernelJournal.Answered)) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void postStop() {
        try {
            super.postStop();
        } finally {
            sync.close();
        }
    }
}
