package dev.custody.crash;

import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A workload child that says what the test wrote for it and then says nothing more: it ends when it
 * is killed (or, if {@code endsByItself}, right away), unless it is {@code unkillable}.
 */
final class ScriptedChild implements WorkloadChild {
    private final PipedInputStream in = new PipedInputStream(1 << 16);
    private final PipedOutputStream out;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final boolean unkillable;
    private volatile boolean killed;

    ScriptedChild(String output, boolean endsByItself, boolean unkillable) {
        this.unkillable = unkillable;
        try {
            this.out = new PipedOutputStream(in);
            out.write(output.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (endsByItself) {
            end();
        }
    }

    /** Says {@code output}, then waits to be killed. */
    static ScriptedChild hanging(String output) {
        return new ScriptedChild(output, false, false);
    }

    boolean killed() {
        return killed;
    }

    @Override
    public InputStream protocol() {
        return in;
    }

    @Override
    public void kill() {
        killed = true;
        if (!unkillable) {
            end();
        }
    }

    @Override
    public boolean awaitExit(Duration bound) throws InterruptedException {
        return ended.await(bound.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String exitDescription() {
        return ended.getCount() > 0 ? "still running" : killed ? "killed" : "status 0";
    }

    @Override
    public int exitCode() {
        return ended.getCount() > 0 ? -1 : 0;
    }

    @Override
    public String diagnostics() {
        return "WARNING: a JVM warning\nException in thread \"main\" java.lang.IllegalStateException: stuck\n"
                + "\tat somewhere(Here.java:1)";
    }

    @Override
    public void close() {
        end();
    }

    private void end() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ended.countDown();
    }
}
