package dev.custody.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.custody.api.HeapNeed;
import dev.custody.crash.NodeFleet;
import dev.custody.output.OutputFile;
import dev.custody.output.Outputs;
import dev.custody.persistence.JournalCredentials;
import dev.custody.persistence.JournalSpec;
import dev.custody.rules.Mutant;
import dev.custody.sim.CheckMode;
import dev.custody.sim.DecisionObserver;
import dev.custody.sim.Fleet;
import dev.custody.sim.FleetReport;
import dev.custody.sim.ScenarioEmitter;
import dev.custody.sim.Schedule;
import dev.custody.sim.SimHtmlReport;
import dev.custody.sim.SimReport;
import dev.custody.sim.SimReportData;
import dev.custody.sim.SimResult;
import dev.custody.sim.SimSettings;
import dev.custody.sim.SimTopology;
import dev.custody.sim.SimTrace;
import dev.custody.sim.Simulation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody simulate}: race driver probes against VFIO and iommufd claims, checking everything after every event. */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        header = "Race drivers, VFIO and iommufd users against the engine; check every invariant after every event.",
        description = {
            "Races a driver-core admin, QEMU-like VFIO users, iommufd users, an in-kernel shared-domain user",
            "and a DMA prober against the engine, checks every invariant after every event, and on a violation",
            "prints the invariant, the seed and a shrunk trace. Exit 0: no violation; 1: a violation; 2: bad options."
        })
public final class SimulateCommand implements Callable<Integer> {

    @Option(
            names = "--seed",
            description = "Seed of the topology, the agents and (deterministic) the schedule. Default: random.")
    Long seed;

    @Option(names = "--ops", defaultValue = "20000", description = "Operations to run. Default: ${DEFAULT-VALUE}.")
    long ops;

    @Option(names = "--duration", description = "Stop after this long (e.g. 30s, 2m) if --ops is not reached first.")
    String duration;

    @Option(
            names = "--groups",
            defaultValue = "32",
            description = "IOMMU groups in the generated topology. Default: ${DEFAULT-VALUE}.")
    int groups;

    @Option(
            names = "--active-groups",
            description = "The agents work on the first N groups only and the others stay idle, so the same"
                    + " operations can run on hosts of any size. Default: every group.")
    Integer activeGroups;

    @Option(
            names = "--vfio-users",
            defaultValue = "2",
            description = "VFIO group/container users. Default: ${DEFAULT-VALUE}.")
    int vfioUsers;

    @Option(
            names = "--iommufd-users",
            defaultValue = "2",
            description = "iommufd/cdev users. Default: ${DEFAULT-VALUE}.")
    int iommufdUsers;

    @Option(
            names = "--deterministic",
            description = "One thread and a seeded scheduler: the same seed gives the same run.")
    boolean deterministic;

    @Option(
            names = "--schedule",
            description = "With --deterministic: guided (prefer calls and arguments that reach new coverage; the"
                    + " default) or random (a seeded draw of the next agent, as runs before guidance were: their"
                    + " seeds reproduce with it). Concurrent runs have no schedule.")
    String schedule;

    @Option(
            names = "--refusal-share",
            defaultValue = "0.2",
            description = "Guided schedule: the share of calls aimed at refusals (bad fds, absent devices,"
                    + " misaligned ranges), 0 to 1. Default: ${DEFAULT-VALUE}.")
    double refusalShare;

    @Option(
            names = "--engine",
            defaultValue = "actors",
            description = "actors (journaled) or rules (the pure model, fastest). Default: ${DEFAULT-VALUE}.")
    String engine;

    @Option(
            names = "--journal",
            defaultValue = "h2:custody-data",
            description = "For --engine actors: memory, h2:DIR or a jdbc:postgresql: URL (its password in "
                    + JournalCredentials.PASSWORD_VARIABLE + " or passwordFile=FILE). Default: ${DEFAULT-VALUE}.")
    String journal;

    @Option(
            names = "--mutant",
            description = "Switch on one deliberately wrong rule (implies --engine rules); see --list-mutants.")
    String mutant;

    @Option(names = "--list-mutants", description = "List the mutants and exit.")
    boolean listMutants;

    @Option(
            names = "--check",
            defaultValue = "incremental",
            description = "incremental (what each decision touched) or full (every invariant over the whole"
                    + " state after every decision: slower, the reference). Both stop at the same first"
                    + " violation. Default: ${DEFAULT-VALUE}.")
    String check;

    @Option(
            names = "--trace-window",
            paramLabel = "N",
            description = "Keep the last N calls of the run to shrink a failure from, so a long run's memory does"
                    + " not grow with it. A failure after them is shrunk within them, then from boot: with"
                    + " --deterministic the calls before them are decided again from the seed (up to 4 windows)."
                    + " Default: ${DEFAULT-VALUE}.",
            defaultValue = "50000")
    int traceWindow;

    @Option(names = "--emit-scenario", description = "On a violation, write the shrunk trace as a scenario file.")
    Path emitScenario;

    @Option(
            names = "--report",
            paramLabel = "FILE",
            description = "Write an HTML report with charts to this file, and beside it their data (FILE's name"
                    + " with .json) and the latency distribution of all calls (.hgrm, HdrHistogram's format).")
    Path report;

    @Option(
            names = "--trace",
            paramLabel = "FILE",
            description = "Write a Chrome/Perfetto trace-event JSON file: a track per group and per device with"
                    + " their ownership spans, every call as an instant with its result, violations marked."
                    + " Its clock: the call's sequence number with --deterministic, else the wall clock.")
    Path trace;

    @Option(names = "--json", description = "Print one JSON summary instead of the text report.")
    boolean json;

    @Option(
            names = "--hosts",
            defaultValue = "1",
            paramLabel = "N",
            description = "Simulate N host kernels at once in this JVM, host i on seed SEED+i, each with its own"
                    + " agents and checks (one journal, an engine instance each); reports each host's throughput"
                    + " and the total. Default: ${DEFAULT-VALUE}.")
    int hosts;

    @Option(
            names = "--nodes",
            defaultValue = "1",
            paramLabel = "M",
            description = "With M above 1: start M cluster nodes (serve --cluster JVMs on 127.0.0.1, loopback"
                    + " timings) on the --journal, a jdbc:postgresql: URL they share; the hosts are instances"
                    + " Cluster Sharding spreads over them, driven and checked from this JVM (docs/cluster.md)."
                    + " Default: ${DEFAULT-VALUE} (this JVM only).")
    int nodes;

    @Option(names = "--no-progress", description = "No progress bar.")
    boolean noProgress;

    @Override
    public Integer call() throws IOException {
        if (listMutants) {
            Arrays.stream(Mutant.values()).forEach(m -> System.out.printf("%-28s %s%n", m.cliName(), m.description()));
            return 0;
        }
        SimSettings settings;
        try {
            checkNodes();
            if (traceWindow < 1) { // before any run, as the other arguments: a usage error, not a failure
                throw new IllegalArgumentException("--trace-window keeps at least one call, not " + traceWindow);
            }
            settings = settings();
        } catch (IllegalArgumentException bad) {
            System.err.println("custody simulate: " + bad.getMessage());
            return 2;
        }
        Optional<String> tooLarge = HeapNeed.refusal(
                settings.groups(),
                SimTopology.devices(settings.groups()),
                settings.actors(),
                Runtime.getRuntime().maxMemory());
        if (tooLarge.isPresent()) { // before the host is built: never an OutOfMemoryError halfway
            System.err.println("custody simulate: " + tooLarge.get());
            return 2;
        }
        if (hosts != 1 || nodes != 1) {
            return fleet(settings);
        }
        try (Outputs outputs = new Outputs()) {
            OutputFile html = null;
            OutputFile data = null;
            OutputFile hgrm = null;
            OutputFile traceFile = null;
            OutputFile scenario = null;
            try {
                if (report != null) {
                    html = outputs.claim("--report", report);
                    data = outputs.claim("--report", OutputFile.beside(report, ".json"));
                    hgrm = outputs.claim("--report", OutputFile.beside(report, ".hgrm"));
                }
                if (trace != null) {
                    traceFile = outputs.claim("--trace", trace);
                }
                if (emitScenario != null) {
                    scenario = outputs.claim("--emit-scenario", emitScenario);
                }
            } catch (OutputFile.BadOutput bad) { // before the run: nothing is written
                System.err.println("custody simulate: " + bad.getMessage());
                return 2;
            }
            return run(settings, html, data, hgrm, traceFile, scenario);
        }
    }

    /** {@code --hosts N}: the fleet's hosts at once; exit 1 when any host found a violation. */
    private int fleet(SimSettings settings) throws IOException {
        if (hosts < 1) {
            System.err.println("custody simulate: --hosts must be at least 1, not " + hosts);
            return 2;
        }
        if (report != null || trace != null || emitScenario != null) {
            System.err.println("custody simulate: --report, --trace and --emit-scenario describe one host's run;"
                    + " run the host's seed alone for them");
            return 2;
        }
        Fleet.Result fleet;
        Map<String, Set<String>> nodesOf = Map.of();
        List<Integer> nodeExits = List.of();
        try {
            if (nodes == 1) {
                fleet = new Fleet(settings, hosts).run();
            } else {
                Path work = Files.createTempDirectory("custody-simulate-nodes");
                NodeFleet.Result run = new NodeFleet(
                                settings,
                                hosts,
                                nodes,
                                JournalSpec.parse(journal).prepared(),
                                work,
                                System.err)
                        .run();
                fleet = run.fleet();
                nodesOf = run.nodesOf();
                nodeExits = run.exits();
                System.err.println("custody simulate: node logs in " + work + "; nodes exited with " + nodeExits);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the fleet ran", interrupted);
        } catch (IOException | RuntimeException failed) {
            throw failed;
        } catch (Exception failed) {
            throw new IllegalStateException("the fleet's nodes failed: " + failed.getMessage(), failed);
        }
        if (json) {
            var report = FleetReport.json(fleet, settings, nodes, nodesOf);
            if (nodes > 1) {
                nodeExits.forEach(report.putArray("nodeExits")::add);
            }
            System.out.println(new ObjectMapper().writeValueAsString(report));
        } else {
            System.out.print(FleetReport.text(fleet, settings, nodes, nodesOf));
        }
        // the nodes' exit statuses are reported, not judged: see docs/cluster.md on stopping them
        return fleet.violated().isEmpty() ? 0 : 1;
    }

    /** {@code --nodes M}: above 1, the nodes share a PostgreSQL journal and run the actor engine. */
    private void checkNodes() {
        if (nodes < 1) {
            throw new IllegalArgumentException("--nodes must be at least 1, not " + nodes);
        }
        if (nodes == 1) {
            return;
        }
        if (!journal.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("--nodes " + nodes + " needs the journal every node shares:"
                    + " --journal jdbc:postgresql://HOST:PORT/DB?user=USER, not "
                    + JournalCredentials.redacted(journal));
        }
        if (!engine.equals("actors") || mutant != null) {
            throw new IllegalArgumentException(
                    "--nodes runs the journaled engine on the cluster's nodes: no --engine rules or --mutant");
        }
    }

    private int run(
            SimSettings settings,
            OutputFile html,
            OutputFile data,
            OutputFile hgrm,
            OutputFile traceFile,
            OutputFile scenario)
            throws IOException {
        Simulation simulation = new Simulation(settings).traceWindow(traceWindow);
        SimResult result;
        long traceNanos = 0;
        if (traceFile != null) {
            try (SimTrace simTrace = new SimTrace(traceFile.outputStream(), settings.deterministic())) {
                result = runWithProgress(simulation, settings, simTrace);
                simTrace.finish(Map.of(
                        "command",
                        "custody simulate",
                        "seed",
                        settings.seed(),
                        "operations",
                        result.operations(),
                        "engine",
                        settings.actors() ? "actors (" + settings.journalName() + ")" : "rules"));
                traceNanos = simTrace.spentNanos();
            }
            traceFile.commit();
        } else {
            result = runWithProgress(simulation, settings, DecisionObserver.NONE);
        }
        Optional<String> replay = replayCommand(settings, simulation.instance());
        if (json) {
            var report = SimReport.json(result);
            if (settings.actors()) {
                report.put("instance", simulation.instance());
                report.put("replay", replay.orElse(null));
            }
            System.out.println(new ObjectMapper().writeValueAsString(report));
        } else {
            System.out.print(SimReport.text(result));
            if (settings.actors()) {
                System.out.println(replay.map(command -> "\njournal " + settings.journalName() + ", instance "
                                + simulation.instance() + "; open it with: " + command)
                        .orElse("\ninstance " + simulation.instance() + " (in memory: gone with this process)"));
            }
        }
        if (html != null) {
            data.write(SimReportData.json(result));
            hgrm.write(SimReportData.hgrm(result));
            html.write(SimHtmlReport.html(
                    result,
                    List.of(
                            data.target().getFileName().toString(),
                            hgrm.target().getFileName().toString())));
            if (!json) {
                System.out.println("report: " + report + " (data: "
                        + data.target().getFileName() + ", " + hgrm.target().getFileName() + ")");
            }
        }
        if (traceFile != null && !json) {
            System.out.printf(
                    "trace: %s (%,d bytes, %.2f s spent writing it; open it in ui.perfetto.dev or chrome://tracing)%n",
                    trace, Files.size(trace), traceNanos / 1e9);
        }
        if (result.violation().isPresent() && result.violation().get().startsAfter() > 0 && scenario != null) {
            // a scenario starts at boot: a trace that starts after calls the run did not keep is not one
            System.err.println("custody simulate: no scenario written: the shrunk trace starts after call "
                    + result.violation().get().startsAfter() + " of the run (see the report)");
        } else if (result.violation().isPresent() && scenario != null) {
            scenario.write(ScenarioEmitter.write(
                    "simulate-seed-" + settings.seed(),
                    "Shrunk trace of custody simulate --seed " + settings.seed() + ": "
                            + result.violation().get().violations().getFirst(),
                    result.topology(),
                    result.violation().get().minimal(),
                    settings.mutants()));
            if (!json) {
                System.out.println("scenario: " + emitScenario + " (custody scenario run " + emitScenario + ")");
            }
        }
        return result.violation().isPresent() ? 1 : 0;
    }

    private SimSettings settings() {
        Set<Mutant> mutants = mutant == null
                ? Set.of()
                : Set.of(Arrays.stream(Mutant.values())
                        .filter(m -> m.cliName().equals(mutant))
                        .findFirst()
                        .orElseThrow(() ->
                                new IllegalArgumentException("unknown mutant " + mutant + " (see --list-mutants)")));
        boolean actors = engine.equals("actors") && mutants.isEmpty();
        if (!engine.equals("actors") && !engine.equals("rules")) {
            throw new IllegalArgumentException("--engine must be actors or rules");
        }
        CheckMode checkMode = Arrays.stream(CheckMode.values())
                .filter(m -> m.cliName().equals(check))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--check must be incremental or full"));
        Schedule scheduleOption = schedule == null
                ? (deterministic ? Schedule.GUIDED : Schedule.RANDOM)
                : Arrays.stream(Schedule.values())
                        .filter(s -> s.cliName().equals(schedule))
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("--schedule must be guided or random"));
        if (scheduleOption == Schedule.GUIDED && !deterministic) {
            throw new IllegalArgumentException(
                    "--schedule guided needs --deterministic (one thread chooses every call)");
        }
        if (!(refusalShare >= 0 && refusalShare <= 1)) {
            throw new IllegalArgumentException("--refusal-share must be between 0 and 1, not " + refusalShare);
        }
        JournalSpec journalOption = actors ? JournalSpec.parse(journal).prepared() : null;
        return new SimSettings(
                seed != null ? seed : new java.util.Random().nextLong() & 0xffffffffL,
                groups,
                ops,
                Optional.ofNullable(duration).map(SimulateCommand::parseDuration),
                deterministic,
                Optional.ofNullable(journalOption).map(JournalSpec::config),
                actors ? journalOption.redacted() : "none",
                mutants,
                vfioUsers,
                iommufdUsers,
                checkMode,
                activeGroups != null ? activeGroups : groups,
                scheduleOption,
                refusalShare);
    }

    private SimResult runWithProgress(Simulation simulation, SimSettings settings, DecisionObserver observer) {
        if (noProgress || json || System.console() == null) {
            return simulation.run(done -> {}, observer);
        }
        try (ProgressBar bar = new ProgressBarBuilder()
                .setTaskName("simulate")
                .setInitialMax(settings.operations())
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .build()) {
            return simulation.run(bar::stepTo, observer);
        }
    }

    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase();
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            } else if (t.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(t));
        } catch (NumberFormatException bad) {
            throw new IllegalArgumentException("--duration must look like 30s, 2m or 500ms, not " + text);
        }
    }

    /** The {@code custody replay} command that opens what this run journaled; none for the in-memory journal. */
    static Optional<String> replayCommand(SimSettings settings, String instance) {
        if (!settings.actors() || settings.journalName().equals("memory")) {
            return Optional.empty();
        }
        return Optional.of(
                "./custody replay --journal " + shellQuoted(settings.journalName()) + " --instance " + instance);
    }

    /** {@code text} as one shell word: as it is when plain, else in single quotes. */
    private static String shellQuoted(String text) {
        return text.matches("[A-Za-z0-9_@%+=:,./-]+") ? text : "'" + text.replace("'", "'\\''") + "'";
    }
}
