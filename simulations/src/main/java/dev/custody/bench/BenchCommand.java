package dev.custody.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code custody bench pagetable|mapping|journal [--json] [--quick]}. */
@Command(
        name = "bench",
        description = "Run benchmarks.",
        mixinStandardHelpOptions = true,
        subcommands = {
            BenchCommand.PageTable.class,
            BenchCommand.Mapping.class,
            FoldCommand.class,
            HeapCommand.class,
            JournalCommand.class,
            RecoveryCommand.class,
            ServeBenchCommand.class
        })
public final class BenchCommand {

    @Command(
            name = "pagetable",
            mixinStandardHelpOptions = true,
            description = {
                "JMH benchmarks of the off-heap I/O page table (4K, 256 contiguous 4K, 2M, 1G map+unmap,",
                "random unmap) and of one FFM downcall, beside the same operations in C (gcc -O2).",
                "Prints ns/op for Java and C and their ratio. About 3 minutes; --quick about 40 s."
            })
    public static final class PageTable implements Callable<Integer> {

        @Option(names = "--json", description = "Print one JSON object instead of the table.")
        boolean json;

        @Option(names = "--quick", description = "Short warmup and measurement: a smoke run, not figures to quote.")
        boolean quick;

        BenchSettings settings() {
            return BenchSettings.of(quick);
        }

        @Override
        public Integer call() throws Exception {
            BenchSettings settings = settings();
            System.err.println("custody bench: running the Java side (JMH) ...");
            Map<String, JmhBenchmarks.Score> java = JmhBenchmarks.run(settings);
            System.err.println("custody bench: compiling and running the C yardstick (gcc -O2) ...");
            Optional<Map<String, Double>> c = CYardstick.run(settings);
            if (c.isEmpty()) {
                System.err.println("custody bench: gcc is not on PATH; the C column is empty");
            }
            BenchReport report = BenchReport.of(java, c.orElse(Map.of()), settings);
            if (json) {
                System.out.println(new ObjectMapper()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(report.toJson()));
            } else {
                System.out.print(report.toText());
            }
            return 0;
        }
    }

    @Command(
            name = "mapping",
            mixinStandardHelpOptions = true,
            description = {
                "JMH benchmarks of the pure model's page-table arithmetic (iommu_map/iommu_unmap on a domain's",
                "table): 4,096 separate 4K maps and unmaps, 4,096 contiguous ones, one 512 MiB and one 1 TiB",
                "map in 4K pages. Prints us/op. About 1 minute; --quick about 20 s."
            })
    public static final class Mapping implements Callable<Integer> {

        @Option(names = "--quick", description = "Short warmup and measurement: a smoke run, not figures to quote.")
        boolean quick;

        @Override
        public Integer call() throws Exception {
            Map<String, JmhBenchmarks.Score> scores =
                    JmhBenchmarks.run(BenchSettings.of(quick), TimeUnit.MICROSECONDS, ModelMappingBenchmark.class);
            System.out.printf("%-28s %14s %10s%n", "benchmark", "us/op", "+-");
            scores.forEach(
                    (name, score) -> System.out.printf("%-28s %14.1f %10.1f%n", name, score.nanos(), score.error()));
            return 0;
        }
    }
}
