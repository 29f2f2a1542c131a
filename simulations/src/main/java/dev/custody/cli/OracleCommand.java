package dev.custody.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.custody.ops.NotRealisable;
import dev.custody.oracle.AllowedSkips;
import dev.custody.oracle.FileComparison;
import dev.custody.oracle.KernelRun;
import dev.custody.oracle.MutantCatches;
import dev.custody.oracle.Oracle;
import dev.custody.oracle.OracleReport;
import dev.custody.oracle.RandomWalkScenarios;
import dev.custody.oracle.ResultCoverage;
import dev.custody.oracle.ScenarioFiles;
import dev.custody.oracle.ScenarioRecorder;
import dev.custody.oracle.vm.KernelCatalog;
import dev.custody.oracle.vm.OracleFiles;
import dev.custody.scenario.Scenario;
import dev.custody.scenario.ScenarioException;
import dev.custody.sim.Seeds;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code custody oracle}: scenarios against a real Linux kernel in a QEMU VM. */
@Command(
        name = "oracle",
        mixinStandardHelpOptions = true,
        description = {
            "Runs scenarios against a real Linux kernel booted in QEMU (KVM or TCG) with a small guest agent,",
            "and compares the kernel's answers with the engine's."
        },
        subcommands = {
            OracleCommand.Run.class,
            OracleCommand.Diff.class,
            OracleCommand.Kernels.class,
            NativeCheckCommand.class,
            LiveCheckCommand.class,
            LiveOracleCommand.class
        })
public final class OracleCommand {
    static final int AGREE = 0;
    static final int DISAGREE = 1;
    static final int INVALID = 2;
    /** --allow-skips given without a list. */
    static final String ANY_SKIP = "<any>";

    /** Options every VM-running subcommand shares. */
    static final class VmOptions {
        @Option(
                names = "--kernel",
                defaultValue = Oracle.AUTO,
                paramLabel = "NAME",
                description = {
                    "A kernel from `custody oracle kernels`; iommufd: the kernel with iommufd and VFIO cdevs",
                    "(built on first use); auto: that one for scenarios that use iommufd or cdevs, else the",
                    "distribution's. Default: ${DEFAULT-VALUE}."
                })
        String kernel;

        @Option(
                names = "--kernel-image",
                paramLabel = "BZIMAGE",
                description = {
                    "Boot this kernel image instead (one you built, with IOMMUFD, VFIO and its drivers built",
                    "in or given with --modules); it replaces --kernel."
                })
        Path kernelImage;

        @Option(
                names = "--modules",
                paramLabel = "DIR",
                description = {
                    "With --kernel-image: its modules directory (/lib/modules/<release>, with modules.dep),",
                    "whose VFIO and device drivers the guest loads; a build link there to the kernel's build",
                    "tree lets the oracle build its test module for in-kernel calls."
                })
        Path modules;

        @Option(
                names = "--timeout",
                defaultValue = "180",
                paramLabel = "SECONDS",
                description = "Longest one VM run may take. Default: ${DEFAULT-VALUE}.")
        int timeoutSeconds;

        @Option(
                names = "--agent",
                defaultValue = "c",
                paramLabel = "c|java",
                description = {
                    "What performs the script in the guest: c, the guest agent (custody-agent.c), or java,",
                    "the same interpreter in Java through FFM on a jlinked JDK, which the corpus checks.",
                    "Default: ${DEFAULT-VALUE}."
                })
        String agent;

        Oracle oracle() {
            if (modules != null && kernelImage == null) {
                throw new IllegalArgumentException("--modules goes with --kernel-image");
            }
            if (kernelImage != null) {
                return Oracle.withImage(
                                OracleFiles.unpacked(),
                                Duration.ofSeconds(timeoutSeconds),
                                kernelImage,
                                java.util.Optional.ofNullable(modules),
                                System.err::println)
                        .withAgent(agent);
            }
            return with(kernel);
        }

        /** The same settings with another kernel. */
        Oracle with(String otherKernel) {
            return new Oracle(
                            OracleFiles.unpacked(),
                            Duration.ofSeconds(timeoutSeconds),
                            otherKernel,
                            System.err::println)
                    .withAgent(agent);
        }
    }

    /**
     * What cannot be done is said in one line, with exit 2: an invalid or unreadable file, a kernel
     * that is not in the catalog, a missing QEMU or kernel source, a failed kernel or agent build.
     */
    static Integer reportingFailures(java.util.function.Supplier<Integer> work) {
        try {
            return work.get();
        } catch (ScenarioException invalid) {
            System.err.println("custody: invalid scenario: " + invalid.getMessage());
            return INVALID;
        } catch (java.io.UncheckedIOException unreadable) {
            System.err.println("custody: " + unreadable.getMessage() + ": "
                    + unreadable.getCause().getMessage());
            return INVALID;
        } catch (IllegalArgumentException | IllegalStateException cannot) {
            System.err.println("custody: oracle: " + cannot.getMessage());
            return INVALID;
        }
    }

    static List<Scenario> parseAll(List<String> arguments) {
        List<Scenario> scenarios = new ArrayList<>();
        for (Path file : ScenarioFiles.expand(arguments)) {
            scenarios.add(ScenarioFiles.parse(file));
        }
        return scenarios;
    }

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = {
                "Runs each file in the VM and prints the kernel's answers as `custody scenario run` prints",
                "the engine's (JSON Lines, with a kernel field). Files that need what the VM cannot provide",
                "are reported as skipped. Exit 0 when every expectation held, 1 otherwise, 2 for invalid files."
            })
    static final class Run implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Scenario files or directories of them.")
        List<String> files;

        @Mixin
        VmOptions vm;

        @Override
        public Integer call() {
            return OracleCommand.reportingFailures(this::execute);
        }

        private Integer execute() {
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            ObjectMapper json = new ObjectMapper();
            List<Scenario> scenarios = parseAll(files);
            Oracle oracle = vm.oracle();
            boolean allHeld = true;
            for (Scenario scenario : scenarios) {
                try {
                    KernelRun run = oracle.run(scenario);
                    if (!run.usable()) {
                        System.err.println("custody: " + scenario.source() + ": "
                                + run.failure().orElseThrow());
                        allHeld = false;
                        continue;
                    }
                    for (ObjectNode line : run.lines()) {
                        out.println(line);
                        allHeld &= !line.has("match") || line.get("match").asBoolean();
                    }
                    run.topologyDifferences()
                            .forEach(d -> out.println(json.createObjectNode().put("topology", d)));
                } catch (NotRealisable why) {
                    out.println(json.createObjectNode()
                            .put("file", scenario.source())
                            .put("skipped", why.getMessage()));
                }
            }
            return allHeld ? AGREE : DISAGREE;
        }
    }

    @Command(
            name = "diff",
            mixinStandardHelpOptions = true,
            description = {
                "Runs each file on the engine and in the VM and reports every step where they disagree,",
                "per file and in total (steps agreeing / steps compared). Exit 1 if any step or any group",
                "differs, a run fails, nothing was compared or a file was skipped (see --allow-skips), 0",
                "otherwise; 2 for bad input (an invalid file, a kernel that does not boot or lacks iommufd,",
                "a test module that does not load, a guest that hangs), in one line."
            })
    static final class Diff implements Callable<Integer> {
        @Parameters(arity = "0..*", paramLabel = "FILE", description = "Scenario files or directories of them.")
        List<String> files = new ArrayList<>();

        @Mixin
        VmOptions vm;

        @Option(names = "--record", description = "Write the kernel's answers into the files as expectations.")
        boolean record;

        @Option(
                names = "--random",
                defaultValue = "0",
                paramLabel = "N",
                description = "Also compare N generated random-walk scenarios (user-space calls only).")
        int random;

        @Option(names = "--seed", description = "Seed of the random walks. " + Seeds.DEFAULT)
        Long givenSeed;

        @Option(
                names = "--steps",
                defaultValue = "60",
                description = "Steps per random walk. Default: ${DEFAULT-VALUE}.")
        int steps;

        @Option(
                names = "--emit",
                paramLabel = "DIR",
                description =
                        "Write each random walk into DIR as a scenario file and compare that file (with --record, record it).")
        Path emit;

        @Option(
                names = "--versus",
                paramLabel = "KERNEL",
                description = {
                    "Compare two kernels instead of the engine with a kernel: --kernel against this one,",
                    "step by step (where kernel versions differ)."
                })
        String versus;

        @Option(names = "--json", description = "One JSON object per file and a total, instead of text.")
        boolean json;

        @Option(
                names = "--coverage",
                paramLabel = "FILE",
                description = {
                    "Write the (operation, result) pairs seen into FILE as a Markdown table: each result",
                    "the kernel gave, and each the engine gave that the kernel was never seen to give."
                })
        Path coverage;

        @Option(
                names = "--mutants",
                description = {
                    "Also compare each kernel run with the model under each deliberately wrong rule (see",
                    "simulate --list-mutants), and fail unless the kernel's answers catch every mutant",
                    "that is not, for a stated reason, invisible to it. Costs no extra VM run."
                })
        boolean mutants;

        @Option(
                names = "--allow-skips",
                arity = "0..1",
                fallbackValue = ANY_SKIP,
                paramLabel = "LIST",
                description = {
                    "Pass even when files are not realisable in the VM. Without LIST any file may be skipped;",
                    "with LIST only the files it names (one per line: path, then why), and a listed file",
                    "that runs fails the check. Without this option a skipped file, or a run that compared",
                    "nothing, fails it."
                })
        String allowSkips;

        @Override
        public Integer call() {
            return OracleCommand.reportingFailures(this::compare);
        }

        private AllowedSkips allowedSkips() {
            if (allowSkips == null) {
                return AllowedSkips.none();
            }
            return allowSkips.equals(ANY_SKIP) ? AllowedSkips.any() : AllowedSkips.listedIn(Path.of(allowSkips));
        }

        private Integer compare() {
            List<Scenario> scenarios = parseAll(files);
            if (scenarios.isEmpty() && random == 0) {
                System.err.println("custody: give scenario files, directories or --random N");
                return INVALID;
            }
            long seed = Seeds.orFresh(givenSeed);
            if (random > 0) {
                System.err.println(
                        "custody: " + random + " random walks of seed " + seed + " (--seed " + seed + " repeats them)");
            }
            List<Scenario> walks = RandomWalkScenarios.generate(random, seed, steps);
            if (emit != null) {
                try {
                    for (Scenario walk : walks) {
                        scenarios.add(ScenarioFiles.parse(RandomWalkScenarios.write(walk, emit)));
                    }
                } catch (java.io.UncheckedIOException e) {
                    System.err.println("custody: cannot write the walks into " + emit + ": "
                            + e.getCause().getMessage());
                    return INVALID;
                }
            } else {
                scenarios.addAll(walks);
            }
            AllowedSkips skips = allowedSkips();
            Oracle oracle = vm.oracle();
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            if (versus != null) {
                if (mutants) {
                    System.err.println("custody: --mutants compares the engine with a kernel; not with --versus");
                    return INVALID;
                }
                return versus(oracle, vm.with(versus), scenarios, out, skips);
            }
            OracleReport report = new OracleReport(out, json, skips);
            ResultCoverage seen = new ResultCoverage();
            MutantCatches catches = new MutantCatches();
            for (Scenario scenario : scenarios) {
                FileComparison comparison = compareOne(oracle, scenario, catches);
                report.file(comparison);
                if (comparison.skipped().isPresent() && !comparison.runFailed()) {
                    seen.addEngineOnly(scenario);
                } else {
                    seen.add(comparison);
                }
            }
            report.total();
            if (mutants) {
                if (json) {
                    ObjectNode line = JsonNodeFactory.instance.objectNode();
                    line.set("mutantCatches", catches.json());
                    out.println(line);
                } else {
                    catches.print(out);
                }
            }
            if (coverage != null) {
                try {
                    java.nio.file.Files.write(coverage, seen.markdown(), StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    System.err.println("custody: cannot write " + coverage + ": " + e.getMessage());
                    return INVALID;
                }
                if (!json) {
                    out.println("oracle: coverage: " + seen.seenFromKernel() + " (operation, result) pairs seen from"
                            + " the kernel, " + seen.engineOnly() + " only from the engine; table in " + coverage);
                }
            }
            boolean mutantsCaught = !mutants || catches.problems().isEmpty();
            return report.passed() && mutantsCaught ? AGREE : DISAGREE;
        }

        /**
         * Runs one file in the VM and compares it with the engine; with --record, writes the kernel's
         * answers into the file first, and with --mutants, compares the same run with every mutant.
         */
        private FileComparison compareOne(Oracle oracle, Scenario scenario, MutantCatches catches) {
            KernelRun run;
            try {
                run = oracle.run(scenario);
            } catch (NotRealisable why) {
                return FileComparison.notRealisable(scenario.source(), why.getMessage());
            }
            if (record && run.usable() && java.nio.file.Files.isRegularFile(Path.of(scenario.source()))) {
                ScenarioRecorder.record(Path.of(scenario.source()), run);
            }
            if (mutants) {
                catches.add(scenario, run);
            }
            return Oracle.compare(scenario, run);
        }

        /** Kernel against kernel: every step where --kernel and --versus answer differently. */
        private Integer versus(
                Oracle first, Oracle second, List<Scenario> scenarios, PrintStream out, AllowedSkips skips) {
            OracleReport report = new OracleReport(out, json, vm.kernel, versus, skips);
            for (Scenario scenario : scenarios) {
                report.file(bothKernels(first, second, scenario));
            }
            report.total();
            return report.passed() ? AGREE : DISAGREE;
        }

        private static FileComparison bothKernels(Oracle first, Oracle second, Scenario scenario) {
            try {
                KernelRun one = first.run(scenario);
                KernelRun other = second.run(scenario);
                for (KernelRun run : List.of(one, other)) {
                    if (!run.usable()) {
                        return FileComparison.failed(
                                scenario.source(),
                                run.kernel().name(),
                                run.failure().orElseThrow());
                    }
                }
                return dev.custody.oracle.Comparison.ofKernels(scenario, one, other);
            } catch (NotRealisable why) {
                return FileComparison.notRealisable(scenario.source(), why.getMessage());
            }
        }
    }

    @Command(
            name = "kernels",
            mixinStandardHelpOptions = true,
            description = "Lists the kernels the oracle can boot and whether each has iommufd and VFIO cdevs.")
    static final class Kernels implements Callable<Integer> {
        @Option(
                names = "--json",
                description = "Print a JSON array of {\"name\", \"iommufd\": bool, \"state\"} instead of a table.")
        boolean asJson;

        @Override
        public Integer call() throws Exception {
            List<KernelCatalog.Entry> entries =
                    KernelCatalog.standard(OracleFiles.unpacked()).list();
            if (asJson) {
                ObjectMapper json = new ObjectMapper();
                var all = json.createArrayNode();
                for (KernelCatalog.Entry entry : entries) {
                    all.addObject()
                            .put("name", entry.name())
                            .put("iommufd", entry.iommufd())
                            .put("state", entry.state());
                }
                System.out.println(json.writeValueAsString(all));
                return AGREE;
            }
            for (KernelCatalog.Entry entry : entries) {
                System.out.printf(
                        "%-28s %-14s %s%n",
                        entry.name(), entry.iommufd() ? "iommufd+cdev" : "group/container", entry.state());
            }
            return AGREE;
        }
    }
}
