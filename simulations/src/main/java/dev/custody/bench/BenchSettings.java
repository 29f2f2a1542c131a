package dev.custody.bench;

/**
 * How long each benchmark warms up and measures, on both sides. The default keeps a full run
 * (eight benchmarks, one JMH fork each, then the C yardstick) under about three minutes on two
 * cores; quick under about forty seconds, for a smoke check rather than figures to quote.
 */
public record BenchSettings(
        int warmupIterations, int warmupMillis, int measureIterations, int measureMillis, int forks) {

    public static final BenchSettings DEFAULT = new BenchSettings(3, 1000, 5, 1000, 1);
    public static final BenchSettings QUICK = new BenchSettings(1, 500, 2, 500, 1);

    public static BenchSettings of(boolean quick) {
        return quick ? QUICK : DEFAULT;
    }
}
