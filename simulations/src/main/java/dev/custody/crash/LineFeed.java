package dev.custody.crash;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child's output lines as they arrive, read on a thread of their own so that every wait for the
 * next one is bounded: a child that stops talking is noticed, never waited on for ever. Carriage
 * returns are dropped (a guest's serial port turns "\n" into "\r\n").
 */
final class LineFeed {
    /** What a bounded wait ended with. */
    sealed interface Next {
        record Line(String text) implements Next {}

        /** Nothing arrived within the bound. */
        record Silence() implements Next {}

        /** The stream ended: the child closed it or died. */
        record End() implements Next {}
    }

    private static final Next END = new Next.End();

    private final BlockingQueue<Next> lines = new LinkedBlockingQueue<>();
    private boolean ended;

    LineFeed(InputStream in, String name) {
        Thread reader = new Thread(() -> read(in), "lines-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** The next line, or silence when none came within {@code bound}, or the end (and then always the end). */
    Next next(Duration bound) throws InterruptedException {
        if (ended) {
            return END;
        }
        Next next = lines.poll(Math.max(0, bound.toNanos()), TimeUnit.NANOSECONDS);
        if (next == null) {
            return new Next.Silence();
        }
        ended = next instanceof Next.End;
        return next;
    }

    private void read(InputStream in) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                lines.add(new Next.Line(line.replace("\r", "")));
            }
        } catch (IOException closed) {
            // a stream closed under us has ended like any other
        } finally {
            lines.add(END);
        }
    }
}
