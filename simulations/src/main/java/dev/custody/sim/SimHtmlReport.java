package dev.custody.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * The HTML report: the terminal report plus three plots drawn as inline SVG, so the page needs no
 * network and no script: who owned each group over the run, throughput per second, and the latency
 * distribution per operation kind.
 */
public final class SimHtmlReport {
    private static final String[] PALETTE = {
        "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"
    };

    private SimHtmlReport() {}

    public static String html(SimResult r) {
        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>custody simulate, seed %d</title>
                <style>body{font-family:sans-serif;margin:2em;color:#222} pre{background:#f6f6f6;padding:1em;overflow-x:auto}
                svg{border:1px solid #ddd;background:#fff} h2{margin-top:1.5em} .legend span{margin-right:1em}</style></head>
                <body>
                <h1>custody simulate &mdash; seed %d</h1>
                <p id="verdict">%s</p>
                <h2>Ownership of each group over the run</h2>
                %s
                <h2>Throughput (operations per second)</h2>
                %s
                <h2>Latency distribution (p50 / p99 / p99.9, microseconds)</h2>
                %s
                <h2>Report</h2>
                <pre>%s</pre>
                </body></html>
                """.formatted(
                r.settings().seed(),
                r.settings().seed(),
                r.violation().isPresent()
                        ? "VIOLATION: "
                                + escape(r.violation()
                                        .get()
                                        .violations()
                                        .getFirst()
                                        .toString())
                        : "No violation in " + r.operations() + " operations (" + r.checks() + " invariant checks).",
                timeline(r),
                throughput(r),
                latency(r),
                escape(SimReport.text(r)));
    }

    /** One row per group; a coloured band per owner (grey for the kernel) from each change to the next. */
    static String timeline(SimResult r) {
        Map<Integer, List<SimResult.OwnershipPoint>> byGroup = r.timeline().stream()
                .collect(Collectors.groupingBy(SimResult.OwnershipPoint::group, TreeMap::new, Collectors.toList()));
        int rowHeight = 14;
        int width = 900;
        int left = 60;
        long total = Math.max(1, r.operations());
        List<String> owners = new ArrayList<>();
        StringBuilder svg = new StringBuilder();
        int row = 0;
        for (var entry : byGroup.entrySet()) {
            int y = row * rowHeight + 4;
            svg.append("<text x=\"4\" y=\"%d\" font-size=\"10\">group %d</text>".formatted(y + 10, entry.getKey()));
            List<SimResult.OwnershipPoint> points = entry.getValue();
            for (int i = 0; i < points.size(); i++) {
                SimResult.OwnershipPoint p = points.get(i);
                long end = i + 1 < points.size() ? points.get(i + 1).step() : total;
                double x = left + (width - left) * (double) p.step() / total;
                double w = Math.max(0.5, (width - left) * (double) (end - p.step()) / total);
                String owner = ownerClass(p.owner());
                if (!owners.contains(owner)) {
                    owners.add(owner);
                }
                svg.append(
                        "<rect class=\"band\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>ops %d-%d: %s (owner_cnt %d, domain %s)</title></rect>"
                                .formatted(
                                        x,
                                        y,
                                        w,
                                        rowHeight - 2,
                                        color(owner),
                                        p.step(),
                                        end,
                                        escape(p.owner()),
                                        p.ownerCnt(),
                                        escape(p.domain())));
            }
            row++;
        }
        String legend = owners.stream()
                .map(o -> "<span style=\"color:%s\">&#9632; %s</span>".formatted(color(o), escape(o)))
                .collect(Collectors.joining());
        return "<svg id=\"ownership\" width=\"%d\" height=\"%d\">%s</svg><p class=\"legend\">%s</p>"
                .formatted(width, Math.max(20, row * rowHeight + 8), svg, legend);
    }

    /** Owners by kind, so the plot stays readable over thousands of fds: kernel, VFIO group fds, iommufds, shared domains. */
    private static String ownerClass(String owner) {
        if (owner.equals("kernel")) {
            return "kernel";
        }
        int dash = owner.lastIndexOf('-');
        return dash > 0 ? owner.substring(0, dash) : owner;
    }

    private static String color(String owner) {
        return owner.equals("kernel") ? "#cccccc" : PALETTE[Math.floorMod(owner.hashCode(), PALETTE.length)];
    }

    static String throughput(SimResult r) {
        List<Long> perSecond = r.throughputPerSecond();
        int width = 900;
        int height = 160;
        long max =
                Math.max(1, perSecond.stream().mapToLong(Long::longValue).max().orElse(1));
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < perSecond.size(); i++) {
            double x = 40 + (width - 50) * (perSecond.size() == 1 ? 0.5 : (double) i / (perSecond.size() - 1));
            double y = height - 20 - (height - 30) * (double) perSecond.get(i) / max;
            points.append("%.1f,%.1f ".formatted(x, y));
        }
        return """
                <svg id="throughput" width="%d" height="%d"><polyline fill="none" stroke="#4e79a7" stroke-width="2" points="%s"/>
                <text x="4" y="14" font-size="10">%d/s</text><text x="4" y="%d" font-size="10">0</text>
                <text x="%d" y="%d" font-size="10">%d s</text></svg>
                """.formatted(
                width, height, points.toString().strip(), max, height - 20, width - 60, height - 4, perSecond.size());
    }

    static String latency(SimResult r) {
        Map<String, Histogram> latencies = r.latencies();
        int rowHeight = 16;
        int width = 900;
        int left = 160;
        double max = latencies.values().stream()
                .mapToDouble(h -> SimReport.micros(h, 99.9))
                .max()
                .orElse(1);
        StringBuilder svg = new StringBuilder();
        int row = 0;
        for (var entry : latencies.entrySet()) {
            int y = row * rowHeight + 4;
            double p50 = SimReport.micros(entry.getValue(), 50);
            double p99 = SimReport.micros(entry.getValue(), 99);
            double p999 = SimReport.micros(entry.getValue(), 99.9);
            svg.append("<text x=\"4\" y=\"%d\" font-size=\"10\">%s</text>".formatted(y + 11, escape(entry.getKey())));
            svg.append(bar("p999", left, y, p999, max, width, "#e15759", entry.getKey()));
            svg.append(bar("p99", left, y, p99, max, width, "#f28e2b", entry.getKey()));
            svg.append(bar("p50", left, y, p50, max, width, "#4e79a7", entry.getKey()));
            row++;
        }
        return "<svg id=\"latency\" width=\"%d\" height=\"%d\">%s</svg>"
                .formatted(width, Math.max(20, row * rowHeight + 8), svg);
    }

    private static String bar(
            String name, int left, int y, double micros, double max, int width, String color, String op) {
        double w = Math.max(0.5, (width - left - 10) * micros / Math.max(max, 1e-9));
        return "<rect class=\"latency-%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"12\" fill=\"%s\"><title>%s %s %.1f us</title></rect>"
                .formatted(name, left, y, w, color, escape(op), name, micros);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
