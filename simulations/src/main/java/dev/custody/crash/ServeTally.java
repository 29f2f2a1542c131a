package dev.custody.crash;

import java.util.ArrayList;
import java.util.List;

/**
 * What the client threads of {@code crash-test --serve} count together: answers (which the parent
 * waits on to pick its kill moment), resends of requests that got no answer (retries), resends of
 * answered ones (repeats) and the repeats answered differently, and the problems they saw.
 */
final class ServeTally {
    private long answered;
    private long retries;
    private long retriesDecidedBefore;
    private long repeats;
    private long mismatched;
    private final List<String> problems = new ArrayList<>();

    /** The numbers at one moment; a cycle's are the difference of two. */
    record Counts(long answered, long retries, long retriesDecidedBefore, long repeats, long mismatched) {
        Counts minus(Counts earlier) {
            return new Counts(
                    answered - earlier.answered,
                    retries - earlier.retries,
                    retriesDecidedBefore - earlier.retriesDecidedBefore,
                    repeats - earlier.repeats,
                    mismatched - earlier.mismatched);
        }
    }

    synchronized void answered() {
        answered++;
        notifyAll();
    }

    /**
     * A request that got no answer was sent again; {@code decidedBefore}: its answer names a decision
     * the server had already recovered, so the killed server had journaled it and the retry was answered
     * with that decision rather than deciding again.
     */
    synchronized void retried(boolean decidedBefore) {
        retries++;
        retriesDecidedBefore += decidedBefore ? 1 : 0;
    }

    synchronized void repeated(boolean same) {
        repeats++;
        mismatched += same ? 0 : 1;
    }

    synchronized void problem(String problem) {
        problems.add(problem);
    }

    synchronized Counts counts() {
        return new Counts(answered, retries, retriesDecidedBefore, repeats, mismatched);
    }

    /** The problems reported since the last call. */
    synchronized List<String> drainProblems() {
        List<String> out = List.copyOf(problems);
        problems.clear();
        return out;
    }

    /**
     * Waits until {@code target} answers were given in all; false when {@code quietMillis} passed
     * without a single answer first (the server is stuck).
     */
    synchronized boolean awaitAnswered(long target, long quietMillis) throws InterruptedException {
        long deadline = System.nanoTime() + quietMillis * 1_000_000;
        long seen = answered;
        while (answered < target) {
            if (answered != seen) {
                seen = answered;
                deadline = System.nanoTime() + quietMillis * 1_000_000;
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }
}
