package dev.custody.nativeio.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The guest agent as a program: performs a script ("STEP VERB ARGS...", one line each, step "-"
 * for set-up lines, as the oracle writes it) and prints exactly the C agent's answer lines on
 * standard output: {@code A} when ready, {@code R}, {@code C}, {@code G}, {@code E} per line,
 * {@code H} for a step that hangs (then it stops), {@code END}. The oracle runs it in place of the
 * C agent with {@code --agent java}.
 *
 * <p>Usage: {@code HostAgentMain SCRIPT [MODULE_ORDER]}; the verb {@code modules} loads the modules
 * the order file lists (default {@code /modules/order}).
 */
public final class HostAgentMain {
    /** A step that takes longer than this is a hang: the agent says which and stops. */
    static final Duration STEP_LIMIT = Duration.ofSeconds(60);

    static final String READY = "A custody-agent ready";
    static final String END = "END";
    private static final int MOST_STEP_CHARS = 31;

    private HostAgentMain() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: HostAgentMain SCRIPT [MODULE_ORDER]");
            System.exit(2);
        }
        Path moduleOrder = Path.of(args.length > 1 ? args[1] : "/modules/order");
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (BufferedReader script = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
            run(script, HostPaths.standard(), moduleOrder, out);
        }
        out.flush();
    }

    /**
     * Performs every line of {@code script} on the kernel at {@code paths}, printing the answers to
     * {@code out}, then closes the agent and prints END; a step that hangs stops the JVM.
     */
    public static void run(BufferedReader script, HostPaths paths, Path moduleOrder, PrintStream out)
            throws IOException, InterruptedException {
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "step-limit");
            thread.setDaemon(true);
            return thread;
        });
        try {
            run(script, paths, moduleOrder, out, watch);
        } finally {
            watch.shutdownNow();
        }
    }

    static void run(
            BufferedReader script, HostPaths paths, Path moduleOrder, PrintStream out, ScheduledExecutorService watch)
            throws IOException, InterruptedException {
        out.println(READY);
        HostAgent agent = new HostAgent(paths);
        try {
            String line;
            while ((line = script.readLine()) != null) {
                String[] words = line.strip().split("[ \t]+", 2);
                if (words.length < 2 || words[0].startsWith("#")) {
                    continue;
                }
                String step = words[0].length() > MOST_STEP_CHARS ? words[0].substring(0, MOST_STEP_CHARS) : words[0];
                ScheduledFuture<?> limit =
                        watch.schedule(() -> hung(out, step), STEP_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                try {
                    if (words[1].strip().equals("modules")) {
                        GuestModules.load(moduleOrder).forEach(problem -> out.println("E " + problem));
                        GuestModules.settle(paths);
                    } else {
                        agent.perform(step, words[1]).lines().forEach(out::println);
                    }
                    agent.completions().forEach(c -> out.println(c.line()));
                } finally {
                    limit.cancel(false);
                }
            }
        } finally {
            agent.close(); // writes still blocked get their last chance once every descriptor is closed
        }
        agent.completions().forEach(c -> out.println(c.line()));
        out.println(END);
        out.flush();
    }

    /** The step did not finish in time: say which and stop at once, as the C agent powers off. */
    private static void hung(PrintStream out, String step) {
        out.println("H " + step);
        out.flush();
        Runtime.getRuntime().halt(1);
    }
}
