package dev.custody.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.crash.CrashSettings;
import dev.custody.crash.CrashTest;
import dev.custody.crash.ServeCrashTest;
import dev.custody.output.OutputFile;
import dev.custody.output.Outputs;
import dev.custody.persistence.JournalCredentials;
import dev.custody.persistence.JournalSpec;
import dev.custody.persistence.Journals;
import dev.custody.sim.Seeds;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody crash-test}: kill the engine mid-race again and again; prove nothing acknowledged was lost. */
@Command(
        name = "crash-test",
        mixinStandardHelpOptions = true,
        header = "Kill the engine mid-race again and again; prove nothing acknowledged was lost.",
        description = {
            "Runs the race in a child JVM on a durable journal, SIGKILLs it at a seeded moment (also during",
            "recovery), audits the journal, restarts on it, and repeats. With --power-loss the child runs in",
            "the oracle's VM with its H2 journal on a virtual disk, and a kill is a power cut of the VM. With",
            "--serve the child is custody serve, driven through its socket by client threads with opids.",
            "Exit 0 when lost and violations are both 0, 1 otherwise, 2 on bad options."
        })
public final class CrashTestCommand implements Callable<Integer> {

    @Option(
            names = "--cycles",
            defaultValue = "20",
            description = "Kill-and-restart cycles. Default: ${DEFAULT-VALUE}.")
    int cycles;

    @Option(names = "--seed", description = "Seeds the kill points and the race. " + Seeds.DEFAULT)
    Long givenSeed;

    @Option(
            names = "--journal",
            description = "h2:DIR or a jdbc:postgresql: URL (its password in " + JournalCredentials.PASSWORD_VARIABLE
                    + " or passwordFile=FILE). Default: an H2 file in a new temporary directory.")
    String journal;

    @Option(
            names = "--instance",
            defaultValue = JournalSpec.DEFAULT_INSTANCE,
            description = "Engine instance name. Default: ${DEFAULT-VALUE}.")
    String instance;

    @Option(
            names = "--groups",
            defaultValue = "8",
            description = "IOMMU groups of the raced machine. Default: ${DEFAULT-VALUE}.")
    int groups;

    @Option(
            names = "--torn-tail",
            description = "Once, mid-run: overwrite the tail of the H2 file and see what a restart does.")
    boolean tornTail;

    @Option(
            names = "--power-loss",
            description = "Run the child in the oracle's VM (H2 journal on a virtual disk) and kill the whole VM:"
                    + " the guest's page cache is lost as in a power cut. Needs QEMU and the iommufd kernel.")
    boolean powerLoss;

    @Option(
            names = "--serve",
            description = "Kill custody serve instead, while --clients clients drive it through its socket with opids;"
                    + " they retry what got no answer after the restart, and repeat answered requests, whose"
                    + " answers must not change.")
    boolean serve;

    @Option(
            names = "--clients",
            defaultValue = "16",
            description = "With --serve: client connections, one VM and IOMMU group each. Default: ${DEFAULT-VALUE}.")
    int clients;

    @Option(names = "--json", description = "End with one JSON summary object.")
    boolean json;

    @Option(
            names = "--trace",
            paramLabel = "FILE",
            description = "Write a Chrome/Perfetto trace-event JSON file of the journal the run left (ownership"
                    + " spans per group and device, every decision, violations) with each cycle's kill marked.")
    Path trace;

    @Override
    public Integer call() throws Exception {
        if (cycles < 1) {
            System.err.println("custody crash-test: --cycles must be at least 1");
            return 2;
        }
        // an H2 journal unless a PostgreSQL one is given; options are checked before anything is created
        boolean h2 = journal == null || journal.startsWith("h2:");
        if (tornTail && !h2) {
            System.err.println("custody crash-test: --torn-tail tears an H2 file; give --journal h2:DIR");
            return 2;
        }
        if (powerLoss && !h2) {
            System.err.println("custody crash-test: --power-loss puts an H2 journal on the VM's disk; give --journal"
                    + " h2:DIR (it holds the disk image and a copy of the journal after each power cut)");
            return 2;
        }
        if (powerLoss && tornTail) {
            System.err.println("custody crash-test: --torn-tail tears the host's H2 file; it does not combine with"
                    + " --power-loss, whose journal is on the VM's disk");
            return 2;
        }
        if (serve && (powerLoss || tornTail)) {
            System.err.println("custody crash-test: --serve SIGKILLs custody serve on this host; it does not combine"
                    + " with --power-loss or --torn-tail");
            return 2;
        }
        if (serve && (clients < 1 || clients > 250)) {
            System.err.println("custody crash-test: --clients must be between 1 and 250, not " + clients);
            return 2;
        }
        try (Outputs outputs = new Outputs()) {
            OutputFile traceFile;
            try {
                traceFile = trace != null ? outputs.claim("--trace", trace) : null;
            } catch (OutputFile.BadOutput bad) { // before anything runs
                System.err.println("custody crash-test: " + bad.getMessage());
                return 2;
            }
            return crashTest(traceFile);
        }
    }

    private int crashTest(OutputFile traceFile) throws Exception {
        long seed = Seeds.orFresh(givenSeed);
        String spelling = journal != null ? journal : "h2:" + Files.createTempDirectory("custody-crash-test");
        JournalSpec option;
        try {
            option = JournalSpec.durable(spelling).prepared();
        } catch (IllegalArgumentException bad) {
            System.err.println("custody crash-test: " + bad.getMessage());
            return 2;
        }
        Optional<Path> h2Directory =
                spelling.startsWith("h2:") ? Optional.of(Path.of(spelling.substring(3))) : Optional.empty();
        Path work = h2Directory.map(d -> d.resolve("crash-test")).orElseGet(() -> temporary());
        Optional<Path> h2File = h2Directory.map(d -> d.resolve(Journals.H2_FILE + ".mv.db"));
        PrintStream progress = json ? System.err : System.out;
        progress.println("crash test: " + cycles + " cycles, seed " + seed + ", journal " + option.redacted() + ", "
                + (powerLoss
                        ? "power cuts of the oracle's VM"
                        : serve ? "SIGKILLs of custody serve under " + clients + " clients" : "SIGKILLs")
                + ", logs in " + work);
        CrashSettings settings = new CrashSettings(
                cycles,
                seed,
                option.childSpelling(),
                option.config(),
                work,
                h2File,
                tornTail,
                instance,
                groups,
                powerLoss);
        if (serve) {
            ServeCrashTest test = new ServeCrashTest(settings, clients, progress);
            return report(traced(traceFile, test::traceTo, test::run, progress));
        }
        CrashTest test;
        try {
            test = new CrashTest(settings, progress);
        } catch (IllegalStateException | IllegalArgumentException cannot) {
            // no QEMU, no kernel source, no e2fsprogs: say what is missing rather than a stack trace
            System.err.println("custody crash-test: " + cannot.getMessage());
            return 2;
        }
        return report(traced(traceFile, test::traceTo, test::run, progress));
    }

    /** The run with its trace going to {@code traceFile} (when asked for), put in place only if it was written. */
    private Map<String, Object> traced(
            OutputFile traceFile,
            java.util.function.Consumer<java.io.OutputStream> traceTo,
            java.util.concurrent.Callable<Map<String, Object>> run,
            PrintStream progress)
            throws Exception {
        java.io.OutputStream traceStream = traceFile != null ? traceFile.outputStream() : null;
        if (traceStream != null) {
            traceTo.accept(traceStream);
        }
        Map<String, Object> summary;
        try {
            summary = run.call();
        } finally {
            if (traceStream != null) {
                traceStream.close(); // written and closed by the run unless it failed
            }
        }
        if (traceFile != null && "written".equals(summary.get("trace"))) {
            traceFile.commit();
            progress.println("trace: " + trace + " (open it in ui.perfetto.dev or chrome://tracing)");
        } else if (traceFile != null) {
            progress.println("trace: " + summary.get("trace"));
        }
        return summary;
    }

    private int report(Map<String, Object> summary) throws java.io.IOException {
        if (json) {
            System.out.println(new ObjectMapper().writeValueAsString(summary));
        } else {
            System.out.println("summary: " + summary.get("cycles") + " cycles, " + summary.get("kills") + " kills ("
                    + summary.get("killsDuringRecovery") + " during recovery), " + summary.get("acknowledged")
                    + " acknowledged"
                    + (summary.containsKey("retries")
                            ? " (" + summary.get("retries") + " retried after no answer, "
                                    + summary.get("retriesDecidedBeforeTheKill") + " of them decided before the kill; "
                                    + summary.get("repeats")
                                    + " answered ones repeated, " + summary.get("mismatchedRetries")
                                    + " answered differently)"
                            : "")
                    + ", lost " + summary.get("lost") + ", violations " + summary.get("violations")
                    + ", seed " + summary.get("seed") + "; recovery ms per cycle " + summary.get("recoveryMillis")
                    + (summary.containsKey("tornTail") ? "; torn tail " + tornOutcomes(summary.get("tornTail")) : "")
                    + (summary.containsKey("stoppedEarly") ? "; stopped early: " + summary.get("stoppedEarly") : ""));
        }
        return CrashTest.passed(summary) ? 0 : 1;
    }

    /** The outcome of each torn-tail restart (the details were printed as they happened). */
    private static String tornOutcomes(Object reports) {
        return ((java.util.List<?>) reports)
                .stream()
                        .map(r -> String.valueOf(((Map<?, ?>) r).get("outcome")))
                        .toList()
                        .toString();
    }

    private static Path temporary() {
        try {
            return Files.createTempDirectory("custody-crash-test-logs");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
