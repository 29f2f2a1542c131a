package dev.custody.crash;

/**
 * Tells the client threads of {@code crash-test --serve} when a server is ready: each start of the
 * child opens a new generation, which the clients wait for after losing their connection. A
 * generation is for load (keep sending requests until the server dies), or for the final check (send
 * only the retries, then say so); closing ends the clients.
 */
final class ServeGate {
    enum Phase {
        LOAD,
        VERIFY,
        CLOSED
    }

    /**
     * A generation: its number, its phase, the cycle it belongs to (for messages), and the last
     * decision its server had recovered when it became ready (-1 when unknown).
     */
    record Generation(int number, Phase phase, int cycle, long recoveredSeq) {}

    private Generation current = new Generation(0, Phase.LOAD, 0, -1);
    private int verified;

    synchronized void open(Phase phase, int cycle, long recoveredSeq) {
        current = new Generation(current.number() + 1, phase, cycle, recoveredSeq);
        verified = 0;
        notifyAll();
    }

    synchronized void close() {
        open(Phase.CLOSED, current.cycle(), -1);
    }

    /** The first generation after {@code seen}; the parent always ends with {@link #close}. */
    synchronized Generation await(int seen) throws InterruptedException {
        while (current.number() <= seen) {
            wait();
        }
        return current;
    }

    /** A client finished the retries of a {@link Phase#VERIFY} generation. */
    synchronized void verified() {
        verified++;
        notifyAll();
    }

    /** Whether {@code clients} clients said {@link #verified} within {@code millis}. */
    synchronized boolean awaitVerified(int clients, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (verified < clients) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }
}
