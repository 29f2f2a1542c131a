package dev.custody.persistence;

import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.db.Store;
import org.h2.mvstore.tx.TransactionStore;

/**
 * Leaves an H2 file as a SIGKILL leaves it when it lands inside a commit: H2 has written the commit
 * marker into the transaction's undo log (so the transaction is committed) and another thread's store
 * has put that on disk, but the rows it changed are still stored as uncommitted. H2's commit writes
 * the marker first; here the marker is written alone, stored, and the database is shut down
 * immediately, which writes nothing more, as a crash would.
 */
final class InterruptedH2Commit {
    private InterruptedH2Commit() {}

    static void leave(String url, String insert) throws Exception {
        Connection connection = DriverManager.getConnection(url, "sa", "");
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.executeUpdate(insert);
        }
        SessionLocal session = (SessionLocal) ((JdbcConnection) connection).getSession();
        Store store = session.getDatabase().getStore();
        markCommitted(store.getTransactionStore(), session.getTransaction().getId());
        store.getMvStore().commit(); // the marker and the still-uncommitted rows reach the file
        session.getDatabase().shutdownImmediately(); // closes the file and writes nothing more
        try {
            connection.close();
        } catch (SQLException | RuntimeException closedUnderneath) {
            // its database is gone already
        }
    }

    /** H2's own marking of an undo log as committed: {@code (id)} in 2.3, {@code (id, time)} in 2.5. */
    private static void markCommitted(TransactionStore transactions, int transactionId) throws Exception {
        Method mark;
        Object[] arguments;
        try {
            mark = TransactionStore.class.getDeclaredMethod("markUndoLogAsCommitted", int.class);
            arguments = new Object[] {transactionId};
        } catch (NoSuchMethodException newerH2) {
            mark = TransactionStore.class.getDeclaredMethod("markUndoLogAsCommitted", int.class, long.class);
            arguments = new Object[] {transactionId, 1L};
        }
        mark.setAccessible(true);
        mark.invoke(transactions, arguments);
    }
}
