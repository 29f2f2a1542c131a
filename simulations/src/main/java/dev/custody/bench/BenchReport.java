package dev.custody.bench;

import dev.custody.bench.JmhBenchmarks.Score;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Java and C side by side: one row per benchmark with ns/op on each side and their ratio. */
public record BenchReport(List<Row> rows, BenchSettings settings) {

    /** Benchmark names in the order they are shown, and how many pages one op maps. */
    static final Map<String, Integer> PAGES_PER_OP = pagesPerOp();

    /** The kernel's software benchmark of its page-table code (2025): ns per 4K map, ns per page of 256. */
    static final double KERNEL_4K_MAP_NS = 55;

    static final double KERNEL_256_PER_PAGE_NS = 1.5;

    private static Map<String, Integer> pagesPerOp() {
        Map<String, Integer> pages = new LinkedHashMap<>();
        pages.put("map_unmap_4k", 1);
        pages.put("map_unmap_256x4k", 256);
        pages.put("map_unmap_2m", 1);
        pages.put("map_unmap_1g", 1);
        pages.put("random_unmap_remap_4k", 1);
        pages.put("downcall_noop", 1);
        pages.put("downcall_getpid", 1);
        pages.put("downcall_ioctl_devnull", 1);
        return pages;
    }

    /**
     * @param javaNanos  JMH's mean ns/op, or NaN when missing
     * @param cNanos     the yardstick's ns/op, or NaN when missing (no gcc)
     */
    public record Row(String name, double javaNanos, double javaError, double cNanos, int pagesPerOp) {
        public double ratio() {
            return javaNanos / cNanos;
        }
    }

    public static BenchReport of(Map<String, Score> java, Map<String, Double> c, BenchSettings settings) {
        List<Row> rows = new ArrayList<>();
        PAGES_PER_OP.forEach((name, pages) -> {
            Score score = java.get(name);
            rows.add(new Row(
                    name,
                    score == null ? Double.NaN : score.nanos(),
                    score == null ? Double.NaN : score.error(),
                    c.getOrDefault(name, Double.NaN),
                    pages));
        });
        return new BenchReport(List.copyOf(rows), settings);
    }

    public String toText() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT, "%-24s %14s %12s %12s %7s%n", "benchmark", "java ns/op", "+-", "C ns/op", "java/C"));
        for (Row row : rows) {
            out.append(String.format(
                    Locale.ROOT,
                    "%-24s %14.2f %12.2f %12.2f %7.2f%n",
                    row.name(),
                    row.javaNanos(),
                    row.javaError(),
                    row.cNanos(),
                    row.ratio()));
            if (row.pagesPerOp() > 1) {
                out.append(String.format(
                        Locale.ROOT,
                        "%-24s %14.2f %12s %12.2f%n",
                        "  per page",
                        row.javaNanos() / row.pagesPerOp(),
                        "",
                        row.cNanos() / row.pagesPerOp()));
            }
        }
        out.append(String.format(
                Locale.ROOT,
                "reference: the kernel's page-table code maps one 4K page in ~%.0f ns and 256 contiguous pages in ~%.1f ns/page"
                        + " (map only; the rows above are map+unmap)%n",
                KERNEL_4K_MAP_NS,
                KERNEL_256_PER_PAGE_NS));
        return out.toString();
    }

    /** A plain tree for Jackson; NaN (a side that did not run) becomes null. */
    public Map<String, Object> toJson() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Row row : rows) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", row.name());
            entry.put("pages_per_op", row.pagesPerOp());
            entry.put("java_ns_per_op", orNull(row.javaNanos()));
            entry.put("java_error_ns", orNull(row.javaError()));
            entry.put("c_ns_per_op", orNull(row.cNanos()));
            entry.put("ratio_java_to_c", orNull(row.ratio()));
            list.add(entry);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("unit", "ns/op");
        json.put("settings", settings);
        json.put(
                "kernel_reference",
                Map.of("map_4k_ns", KERNEL_4K_MAP_NS, "map_256_contiguous_ns_per_page", KERNEL_256_PER_PAGE_NS));
        json.put("benchmarks", list);
        return json;
    }

    private static Double orNull(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
