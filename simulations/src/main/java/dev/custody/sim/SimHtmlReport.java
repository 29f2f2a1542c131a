package dev.custody.sim;

import dev.custody.output.OwnerPalette;
import dev.custody.output.Svg;
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
    private SimHtmlReport() {}

    public static String html(SimResult r) {
        return html(r, List.of());
    }

    /** The page, naming the files written beside it that hold its charts' data in full. */
    public static String html(SimResult r, List<String> dataFiles) {
        String data = dataFiles.isEmpty()
                ? ""
                : "<p id=\"data-files\">The data behind these charts, in full: "
                        + dataFiles.stream()
                                .map(f -> "<a href=\"" + escape(f) + "\">" + escape(f) + "</a>")
                                .collect(Collectors.joining(", "))
                        + " (beside this page).</p>";
        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>custody simulate, seed %d</title>
                <style>body{font-family:sans-serif;margin:2em;color:#222} pre{background:#f6f6f6;padding:1em;overflow-x:auto}
                svg{border:1px solid #ddd;background:#fff} h2{margin-top:1.5em} .legend span{margin-right:1em}
                .swatch i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}</style></head>
                <body>
                <h1>custody simulate &mdash; seed %d</h1>
                <p id="verdict">%s</p>
                %s
                <h2>Ownership of each group over the run</h2>
                %s
                <h2>Throughput (operations per second)</h2>
                %s
                <h2>Latency per operation (p50 / p99 / p99.9 / max, log scale)</h2>
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
                data,
                timeline(r),
                throughput(r),
                latency(r),
                escape(SimReport.text(r)));
    }

    /**
     * One row per group; a band per owner from each change to the next, coloured by {@link
     * OwnerPalette}, over an axis of operations in decision order.
     */
    static String timeline(SimResult r) {
        Map<Integer, List<SimResult.OwnershipPoint>> byGroup = r.timeline().stream()
                .collect(Collectors.groupingBy(SimResult.OwnershipPoint::group, TreeMap::new, Collectors.toList()));
        OwnerPalette palette = new OwnerPalette(r.timeline().stream()
                .map(SimResult.OwnershipPoint::owner)
                .filter(o -> !o.equals("kernel"))
                .toList());
        int rowHeight = 14;
        int left = 70;
        int right = 960;
        long total = Math.max(1, r.operations());
        Svg.Scale x = Svg.linear(0, total, left, right, "");
        StringBuilder svg = new StringBuilder();
        int row = 0;
        for (var entry : byGroup.entrySet()) {
            int y = row * rowHeight + 4;
            svg.append("<text x=\"4\" y=\"%d\" font-size=\"10\">group %d</text>".formatted(y + 10, entry.getKey()));
            List<SimResult.OwnershipPoint> points = entry.getValue();
            for (int i = 0; i < points.size(); i++) {
                SimResult.OwnershipPoint p = points.get(i);
                long end = i + 1 < points.size() ? points.get(i + 1).step() : total;
                double x0 = x.apply(p.step());
                double w = Math.max(0.5, x.apply(end) - x0);
                String owner = p.owner().equals("kernel") && p.ownerCnt() == 0 ? "free" : p.owner();
                svg.append(
                        "<rect class=\"band\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>group %d, ops %d-%d: %s (owner_cnt %d, domain %s)</title></rect>"
                                .formatted(
                                        x0,
                                        y,
                                        w,
                                        rowHeight - 2,
                                        palette.colour(owner),
                                        entry.getKey(),
                                        p.step(),
                                        end,
                                        escape(owner),
                                        p.ownerCnt(),
                                        escape(p.domain())));
            }
            row++;
        }
        int axisY = row * rowHeight + 6;
        svg.append(Svg.xAxis(x, left, right, axisY, "operation (decision order)"));
        int height = axisY + 40;
        return "<svg id=\"ownership\" viewBox=\"0 0 980 %d\" width=\"100%%\" style=\"max-width:1400px\">%s</svg>%s"
                .formatted(height, svg, palette.legendHtml());
    }

    static String throughput(SimResult r) {
        List<Long> perSecond = r.throughputPerSecond();
        int left = 70;
        int right = 960;
        int top = 10;
        int bottom = 170;
        long max =
                Math.max(1, perSecond.stream().mapToLong(Long::longValue).max().orElse(1));
        Svg.Scale x = Svg.linear(0, Math.max(1, perSecond.size()), left, right, " s");
        Svg.Scale y = Svg.linear(0, max, bottom, top, "");
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < perSecond.size(); i++) {
            // each second's count drawn at the middle of its second
            points.append("%.1f,%.1f ".formatted(x.apply(i + 0.5), y.apply(perSecond.get(i))));
        }
        return """
                <svg id="throughput" viewBox="0 0 980 215" width="100%%" style="max-width:1400px"><polyline fill="none" stroke="#1f77b4" stroke-width="2" points="%s"/>
                %s%s</svg>
                """.formatted(
                        points.toString().strip(),
                        Svg.xAxis(x, left, right, bottom, "seconds since the start of the run"),
                        Svg.yAxis(y, left, bottom, top, "ops/s"));
    }

    /** p50, p99 and p99.9 of every operation kind as dots on a log10 axis of microseconds. */
    static String latency(SimResult r) {
        Map<String, Histogram> latencies = r.latencies();
        int rowHeight = 16;
        int left = 170;
        int right = 960;
        double max = latencies.values().stream()
                .mapToDouble(h -> h.getMaxValue() / 1000.0)
                .max()
                .orElse(1);
        double min = latencies.values().stream()
                .mapToDouble(h -> Math.max(0.1, h.getMinValue() / 1000.0))
                .min()
                .orElse(1);
        Svg.Scale x = Svg.log(min, Math.max(max, min * 10), left, right, " \u00b5s");
        StringBuilder svg = new StringBuilder();
        int row = 0;
        for (var entry : latencies.entrySet()) {
            int y = row * rowHeight + 4;
            double p50 = SimReport.micros(entry.getValue(), 50);
            double p99 = SimReport.micros(entry.getValue(), 99);
            double p999 = SimReport.micros(entry.getValue(), 99.9);
            double top = entry.getValue().getMaxValue() / 1000.0;
            svg.append("<text x=\"4\" y=\"%d\" font-size=\"10\">%s</text>".formatted(y + 11, escape(entry.getKey())));
            svg.append(
                    "<line x1=\"%s\" x2=\"%s\" y1=\"%d\" y2=\"%d\" stroke=\"#bbb\"><title>%s p50 to max</title></line>"
                            .formatted(
                                    Svg.fmt(x.apply(p50)),
                                    Svg.fmt(x.apply(top)),
                                    y + 6,
                                    y + 6,
                                    escape(entry.getKey())));
            svg.append(mark("p50", x.apply(p50), y, "#1f77b4", entry.getKey(), p50));
            svg.append(mark("p99", x.apply(p99), y, "#ff7f0e", entry.getKey(), p99));
            svg.append(mark("p999", x.apply(p999), y, "#d62728", entry.getKey(), p999));
            svg.append(mark("max", x.apply(top), y, "#222222", entry.getKey(), top));
            row++;
        }
        int axisY = row * rowHeight + 6;
        svg.append(Svg.xAxis(x, left, right, axisY, "latency per call (log scale)"));
        String legend = "<p class=\"legend\"><span style=\"color:#1f77b4\">&#9679; p50</span>"
                + "<span style=\"color:#ff7f0e\">&#9679; p99</span><span style=\"color:#d62728\">&#9679; p99.9</span>"
                + "<span style=\"color:#222\">&#9679; max</span></p>";
        return "<svg id=\"latency\" viewBox=\"0 0 980 %d\" width=\"100%%\" style=\"max-width:1400px\">%s</svg>%s"
                .formatted(axisY + 40, svg, legend);
    }

    private static String mark(String name, double x, int y, String color, String op, double micros) {
        return "<circle class=\"latency-%s\" cx=\"%s\" cy=\"%d\" r=\"4\" fill=\"%s\"><title>%s %s %.1f \u00b5s</title></circle>"
                .formatted(name, Svg.fmt(x), y + 6, color, escape(op), name, micros);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
