package dev.custody.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** Runs the Java side through JMH's runner, in forked JVMs on this JVM's class path. */
public final class JmhBenchmarks {

    private JmhBenchmarks() {}

    /** A JMH score: the mean and its 99.9% confidence half-width, in ns/op. */
    public record Score(double nanos, double error) {}

    /** @return scores by benchmark method name, in JMH's (alphabetical) order */
    public static Map<String, Score> run(BenchSettings settings) throws RunnerException {
        return run(settings, TimeUnit.NANOSECONDS, PageTableBenchmark.class, DowncallBenchmark.class);
    }

    /**
     * The benchmarks of {@code classes}, scored in {@code unit} (the record's fields are named for the
     * nanoseconds of the page-table benchmarks; the model's mapping benchmarks score microseconds).
     */
    static Map<String, Score> run(BenchSettings settings, TimeUnit unit, Class<?>... classes) throws RunnerException {
        OptionsBuilder included = new OptionsBuilder();
        for (Class<?> type : classes) {
            included.include("^" + type.getName().replace(".", "\\.") + "\\.");
        }
        Options options = included.warmupIterations(settings.warmupIterations())
                .warmupTime(TimeValue.milliseconds(settings.warmupMillis()))
                .measurementIterations(settings.measureIterations())
                .measurementTime(TimeValue.milliseconds(settings.measureMillis()))
                .forks(settings.forks())
                .timeUnit(unit)
                // The forks need what ./custody gives this JVM: native access for the downcalls.
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED")
                // Standard output carries the report (or JSON); JMH's own log would garble it.
                .verbosity(VerboseMode.SILENT)
                // A benchmark that throws fails the run (exit 3), rather than leaving a silent gap in the table.
                .shouldFailOnError(true)
                .build();
        Map<String, Score> scores = new LinkedHashMap<>();
        for (RunResult result : new Runner(options).run()) {
            String benchmark = result.getParams().getBenchmark();
            String name = benchmark.substring(benchmark.lastIndexOf('.') + 1);
            scores.put(
                    name,
                    new Score(
                            result.getPrimaryResult().getScore(),
                            result.getPrimaryResult().getScoreError()));
        }
        return scores;
    }
}
