package dev.custody.entity;

import java.util.ArrayList;
import java.util.List;

/** A journal failure in one line for a caller: the exception and, when it differs, its root cause. */
final class JournalFailures {
    private JournalFailures() {}

    static String describe(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        Throwable root = chain.getLast();
        return root == failure ? firstLine(failure) : firstLine(failure) + ", caused by " + firstLine(root);
    }

    private static String firstLine(Throwable t) {
        String message =
                t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
        return t.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }
}
