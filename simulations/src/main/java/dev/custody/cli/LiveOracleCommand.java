package dev.custody.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.oracle.AllowedSkips;
import dev.custody.oracle.OracleReport;
import dev.custody.oracle.ScenarioFiles;
import dev.custody.oracle.live.LiveOracle;
import dev.custody.oracle.vm.KernelCatalog;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.scenario.Scenario;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code custody oracle live}: scenarios through the live engine on the iommufd kernel, in its VM. */
@Command(
        name = "live",
        mixinStandardHelpOptions = true,
        description = {
            "Runs each file through live host mode in the oracle's VM (the iommufd kernel): the machine",
            "oracle diff boots for it, the engine started there as serve --host starts it on the topology",
            "of the guest's /sys, with the file's devices as its allow-list, and each step sent to it as a",
            "request. Prints per step the model's answer, the kernel's (for a step carried out), whether",
            "they agree and any drift, then oracle diff's per-file and total lines. Files whose steps live",
            "mode cannot carry out (in-kernel calls, drivers the test module plays) are not realisable.",
            "Exit 1 on a disagreement, a drift, a failed run, nothing compared or a skip not allowed (see",
            "--allow-skips), 0 otherwise; 2 for bad input."
        })
final class LiveOracleCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Scenario files or directories of them.")
    List<String> files = new ArrayList<>();

    @Option(
            names = "--timeout",
            defaultValue = "300",
            paramLabel = "SECONDS",
            description =
                    "Longest one file may take (files of the same machine share a boot). Default: ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    @Option(names = "--json", description = "One JSON object per step, per file and a total, instead of text.")
    boolean json;

    @Option(
            names = "--allow-skips",
            arity = "0..1",
            fallbackValue = OracleCommand.ANY_SKIP,
            paramLabel = "LIST",
            description = {
                "Pass even when files are not live-realisable. Without LIST any file may be skipped; with",
                "LIST only the files it names (one per line: path, then why)."
            })
    String allowSkips;

    @Override
    public Integer call() {
        return OracleCommand.reportingFailures(this::runAll);
    }

    private Integer runAll() {
        List<Path> paths = ScenarioFiles.expand(files);
        List<Scenario> scenarios = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Path path : paths) {
            scenarios.add(ScenarioFiles.parse(path));
            texts.add(read(path));
        }
        if (scenarios.isEmpty()) {
            System.err.println("custody: give scenario files or directories of them");
            return OracleCommand.INVALID;
        }
        AllowedSkips skips = allowSkips == null
                ? AllowedSkips.none()
                : allowSkips.equals(OracleCommand.ANY_SKIP)
                        ? AllowedSkips.any()
                        : AllowedSkips.listedIn(Path.of(allowSkips));
        Path home = OracleFiles.unpacked();
        LiveOracle oracle = new LiveOracle(
                home,
                () -> KernelCatalog.standard(home).resolveDefault(true, System.err::println),
                Duration.ofSeconds(timeoutSeconds));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        OracleReport report = new OracleReport(out, json, "model", "kernel", skips);
        List<LiveOracle.File> all = new ArrayList<>();
        for (int i = 0; i < scenarios.size(); i++) {
            all.add(new LiveOracle.File(scenarios.get(i), texts.get(i)));
        }
        long[] counts = new long[3];
        oracle.run(all, run -> {
            run.steps().forEach(step -> out.println(stepLine(run.comparison().file(), step)));
            run.drifts()
                    .forEach(drift -> out.println(
                            json
                                    ? JsonNodeFactory.instance
                                            .objectNode()
                                            .put("file", run.comparison().file())
                                            .put("drift", drift)
                                            .toString()
                                    : "oracle: live: " + run.comparison().file() + " DRIFT " + drift));
            report.file(run.comparison());
            counts[0] += run.carriedOut();
            counts[1] += run.modelOnly();
            counts[2] += run.drifts().size();
        });
        long carried = counts[0];
        long modelOnly = counts[1];
        long drifts = counts[2];
        report.total();
        if (json) {
            ObjectNode live = JsonNodeFactory.instance.objectNode();
            live.putObject("live")
                    .put("carriedOut", carried)
                    .put("modelOnly", modelOnly)
                    .put("drifts", drifts);
            out.println(live);
        } else {
            out.println("oracle: live: " + carried + " steps carried out on the kernel, " + modelOnly
                    + " answered by the model alone (refused, or not a user-space call), " + drifts + " drifts");
        }
        return report.passed() && drifts == 0 ? OracleCommand.AGREE : OracleCommand.DISAGREE;
    }

    private String stepLine(String file, ObjectNode step) {
        if (json) {
            ObjectNode line = JsonNodeFactory.instance.objectNode().put("file", file);
            line.setAll(step);
            return line.toString();
        }
        StringBuilder text = new StringBuilder("oracle: live: ")
                .append(file)
                .append(" step ")
                .append(step.path("step").asInt())
                .append(' ')
                .append(step.path("op").asText())
                .append(": model ")
                .append(step.path("model").asText("?"));
        if (step.has("kernel")) {
            boolean agree = step.get("kernel").equals(step.get("model"));
            text.append(", kernel ")
                    .append(step.get("kernel").asText())
                    .append(agree ? ", agree" : ", DISAGREE")
                    .append(" (")
                    .append(step.path("line").asText())
                    .append(')');
        } else if (step.has("notCarriedOut")) {
            text.append(", not carried out: ").append(step.get("notCarriedOut").asText());
        } else if (step.has("unreadable")) {
            text.append("unreadable by the engine: ")
                    .append(step.get("unreadable").asText());
        }
        return text.toString();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
