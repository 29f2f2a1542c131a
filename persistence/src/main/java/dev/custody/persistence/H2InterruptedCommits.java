package dev.custody.persistence;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.h2.engine.Database;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.tx.Transaction;
import org.h2.mvstore.tx.TransactionStore;

/**
 * Finishes the H2 commits a crash interrupted, before the journal is used.
 *
 * <p>H2 commits a transaction by first writing a commit marker into its undo log and then turning
 * each row it changed into a committed row. A SIGKILL between the two, after another thread's store
 * has put the marker on disk, leaves a file whose undo log says "committed" while the rows are still
 * stored as uncommitted. When H2 2.5.252 opens such a file it registers the transaction as committed
 * but never finishes it (its {@code Transaction.commit} does nothing for a transaction that is
 * already committed), so the rows stay invisible and locked forever: an entity recovers without its
 * last event, is sent that decision again, and its insert of the same persistence id and sequence
 * number waits for the dead transaction until H2's lock timeout, on every start. What H2 should
 * have done on opening is done here: each such transaction is finished as committed, which is what
 * its own undo log records.
 */
public final class H2InterruptedCommits {
    private H2InterruptedCommits() {}

    /**
     * Finishes every committed but unfinished transaction a crash left in the H2 database of {@code
     * connection}; returns one line per transaction naming what it changed (empty when there was
     * none). Does nothing when other sessions use the database: the transactions it holds then belong
     * to them. Throws, naming the rows that stay locked, when H2 does not let it finish them.
     */
    public static List<String> finish(Connection connection) throws SQLException {
        SessionLocal session =
                (SessionLocal) connection.unwrap(JdbcConnection.class).getSession();
        Database database = session.getDatabase();
        if (database.isReadOnly() || database.getSessions(false).length > 1) {
            return List.of();
        }
        TransactionStore transactions = database.getStore().getTransactionStore();
        List<String> finished = new ArrayList<>();
        for (Transaction leftover : transactions.getOpenTransactions()) {
            if (leftover.getStatus() != Transaction.STATUS_COMMITTED) {
                continue; // open ones H2 has rolled back itself, prepared ones wait for their coordinator
            }
            String changes = changesOf(leftover);
            try {
                complete(transactions, leftover);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException(
                        "the H2 journal " + database.getName() + " holds transaction "
                                + leftover.getId()
                                + ", which a crash interrupted after it committed, and H2 cannot finish it ("
                                + e + "); until it is finished these entries can be neither read nor written: "
                                + changes
                                + ". Start it with the H2 version this build names (it finishes such commits when it opens "
                                + "the journal) or restore the journal from a copy taken before the crash.",
                        e);
            }
            finished.add("H2 transaction " + leftover.getId() + ": " + changes);
        }
        return finished;
    }

    /** What the commit left half done: H2 2.5.252's own completion of a commit, called for it. */
    private static void complete(TransactionStore transactions, Transaction leftover)
            throws ReflectiveOperationException {
        Method commit = TransactionStore.class.getDeclaredMethod("commit", Transaction.class, boolean.class);
        Method end = TransactionStore.class.getDeclaredMethod("endTransaction", Transaction.class, boolean.class);
        commit.setAccessible(true);
        end.setAccessible(true);
        try {
            commit.invoke(transactions, leftover, true); // true: recovery, the undo log already holds the marker
            end.invoke(transactions, leftover, true); // frees the transaction and stores the result
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    /** The maps and keys the transaction changed, newest first, as H2 prints them. */
    private static String changesOf(Transaction transaction) {
        List<String> changes = new ArrayList<>();
        for (Iterator<TransactionStore.Change> it = transaction.getChanges(0); it.hasNext(); ) {
            TransactionStore.Change change = it.next();
            changes.add(change.mapName + " " + change.key);
        }
        return String.join("; ", changes);
    }
}
