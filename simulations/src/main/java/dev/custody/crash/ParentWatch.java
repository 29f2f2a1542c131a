package dev.custody.crash;

/**
 * A child of the crash test must not outlive its parent: the parent holds the child's standard
 * input open and never writes to it, so its end means the parent is gone, and the child halts.
 */
public final class ParentWatch {
    /** The exit status of a child whose parent went away. */
    static final int PARENT_GONE = 4;

    private ParentWatch() {}

    public static void start() {
        Thread watcher = new Thread(
                () -> {
                    try {
                        while (System.in.read() >= 0) {
                            // nothing is ever sent; reading only notices the end
                        }
                    } catch (java.io.IOException ignored) {
                        // a broken stdin means the same as its end
                    }
                    Runtime.getRuntime().halt(PARENT_GONE);
                },
                "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
