package dev.custody.crash;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Runs one workload child to its end: reads its protocol lines as they come, logs every acknowledgement,
 * kills it at the kill point, and then drains what it wrote before dying. Every wait is bounded
 * ({@link Bounds}): a child that does not do the next thing in time is killed, and the result names
 * what it did not do ({@link Stall}).
 */
final class ChildRun {
    /** Non-protocol lines kept for messages (a guest's "java-init: exit 1", a stray log line). */
    private static final int OTHER_LINES_KEPT = 20;

    /**
     * @param killed      the child was killed at the kill point (not because it stalled)
     * @param stall       the first bound that expired, if one did
     * @param exit        how it ended ("status 1", "the VM ended (QEMU status 0)")
     * @param diagnostics its stderr or console, then its non-protocol output lines
     * @param stuck       what its recovery said of each entity that cannot recover from its journal
     */
    record Result(
            Optional<WorkloadLine.Recovered> recovered,
            boolean done,
            boolean killed,
            Optional<Stall> stall,
            int acknowledged,
            String exit,
            String diagnostics,
            List<String> stuck) {

        /**
         * The diagnostics in a few lines for a message: the first exception and the last cause named
         * (a stack trace's end is picocli's frames), else the last lines; the JVM's warnings left out.
         */
        String tail() {
            List<String> lines = diagnostics
                    .lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("WARNING:"))
                    .toList();
            List<String> exceptions = lines.stream()
                    .filter(l -> !l.startsWith("\t") && EXCEPTION.matcher(l).find())
                    .toList();
            if (!exceptions.isEmpty()) {
                List<String> named = new ArrayList<>(List.of(exceptions.getFirst()));
                exceptions.stream()
                        .filter(l -> l.startsWith("Caused by:"))
                        .reduce((first, second) -> second)
                        .filter(c -> !c.equals(exceptions.getFirst()))
                        .ifPresent(named::add);
                lines.stream().filter(l -> l.startsWith("java-init:")).forEach(named::add);
                return String.join("\n", named);
            }
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size()));
        }
    }

    /** A line that names a Java exception or error. */
    private static final Pattern EXCEPTION = Pattern.compile("[\\w.$]+(Exception|Error)\\b");
    /** Terminal colours (picocli colours the stack traces it prints). */
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");

    private ChildRun() {}

    static Result run(WorkloadChild child, KillPoint killPoint, AckLog log, Bounds bounds) throws InterruptedException {
        LineFeed feed = new LineFeed(child.protocol(), "workload");
        Optional<WorkloadLine.Recovered> recovered = Optional.empty();
        Optional<Stall> stall = Optional.empty();
        List<String> other = new ArrayList<>();
        List<String> stuck = new ArrayList<>();
        boolean done = false;
        boolean killed = false;
        int acknowledged = 0;
        Waiting waiting = new Waiting(Stall.Phase.START, bounds.start());
        while (true) {
            LineFeed.Next next = feed.next(waiting.remaining());
            if (next instanceof LineFeed.Next.End) {
                break;
            }
            if (next instanceof LineFeed.Next.Silence) {
                if (stall.isEmpty()) {
                    stall = Optional.of(new Stall(waiting.phase, waiting.bound, 0));
                }
                child.kill();
                if (waiting.phase == Stall.Phase.EXIT) {
                    break; // it outlived its kill; what it still writes cannot matter
                }
                waiting = new Waiting(Stall.Phase.EXIT, bounds.exit());
                continue;
            }
            String text = ((LineFeed.Next.Line) next).text();
            Optional<WorkloadLine> line = WorkloadLine.parse(text);
            if (line.isEmpty()) {
                other.add(text);
                if (other.size() > OTHER_LINES_KEPT) {
                    other.removeFirst();
                }
                continue;
            }
            switch (line.get()) {
                case WorkloadLine.Recovering r -> {
                    if (waiting.phase != Stall.Phase.START) {
                        break;
                    }
                    if (killPoint instanceof KillPoint.DuringRecovery) {
                        child.kill();
                        killed = true;
                        waiting = new Waiting(Stall.Phase.EXIT, bounds.exit());
                    } else {
                        waiting = new Waiting(Stall.Phase.RECOVERY, bounds.recovery());
                    }
                }
                case WorkloadLine.Stuck s -> stuck.add(s.message());
                case WorkloadLine.Recovered r -> {
                    recovered = Optional.of(r);
                    if (waiting.phase == Stall.Phase.RECOVERY) {
                        waiting = killPoint instanceof KillPoint.Never
                                ? new Waiting(Stall.Phase.STOP, bounds.stop())
                                : new Waiting(Stall.Phase.RACE, bounds.quiet());
                    }
                }
                case WorkloadLine.Acknowledged a -> {
                    // also after the kill: the child answered it before it died
                    log.add(a);
                    acknowledged++;
                    if (waiting.phase != Stall.Phase.RACE) {
                        break;
                    }
                    if (killPoint instanceof KillPoint.AfterAcknowledged k && acknowledged >= k.count()) {
                        child.kill();
                        killed = true;
                        waiting = new Waiting(Stall.Phase.EXIT, bounds.exit());
                    } else {
                        waiting = new Waiting(Stall.Phase.RACE, bounds.quiet());
                    }
                }
                case WorkloadLine.Done d -> {
                    done = true;
                    waiting = new Waiting(Stall.Phase.EXIT, bounds.exit());
                }
            }
        }
        if (!child.awaitExit(bounds.exit())) {
            stall = stall.or(() -> Optional.of(new Stall(Stall.Phase.EXIT, bounds.exit(), 0)));
            child.kill();
            child.awaitExit(bounds.exit());
        }
        int count = acknowledged;
        stall = stall.map(s -> new Stall(s.phase(), s.bound(), count));
        String diagnostics = ANSI.matcher(
                        child.diagnostics() + (other.isEmpty() ? "" : "\n" + String.join("\n", other)))
                .replaceAll("");
        return new Result(
                recovered, done, killed, stall, acknowledged, child.exitDescription(), diagnostics, List.copyOf(stuck));
    }

    /** What the child is being waited for, and until when. */
    private static final class Waiting {
        final Stall.Phase phase;
        final Duration bound;
        final long deadline;

        Waiting(Stall.Phase phase, Duration bound) {
            this.phase = phase;
            this.bound = bound;
            this.deadline = System.nanoTime() + bound.toNanos();
        }

        Duration remaining() {
            return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        }
    }
}
