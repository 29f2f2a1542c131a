package dev.custody.replay;

import dev.custody.model.GroupId;
import dev.custody.output.OwnerPalette;
import dev.custody.output.Svg;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML page (inline SVG and one inline script, nothing fetched) with one lane per
 * group across the journal's decisions: who held the group when, over an axis of decision numbers, and
 * a table of the decisions that changed it. The table shows at most {@link #MAX_TABLE_ROWS} rows and
 * says so when it stops, naming the CSV beside the page that holds every change. The script only counts
 * the chart's laid-out shapes into {@code body[data-rendered-stretches]}, so a headless browser can
 * prove the chart rendered.
 */
public final class HtmlReport {
    private HtmlReport() {}

    private static final int LEFT = 90;
    private static final int WIDTH = 1000;
    private static final int LANE = 28;
    static final int MAX_TABLE_ROWS = 5000;

    public static String render(JournalHistory history, OwnershipChart chart, int violations) {
        return render(history, chart, violations, null);
    }

    /** {@code csvName}: the file beside the page with every change ({@link #changesCsv}); null when none. */
    public static String render(JournalHistory history, OwnershipChart chart, int violations, String csvName) {
        return render(history, chart, violations, csvName, MAX_TABLE_ROWS);
    }

    static String render(
            JournalHistory history, OwnershipChart chart, int violations, String csvName, int maxTableRows) {
        long last = Math.max(1, chart.lastSeq());
        Map<GroupId, List<OwnershipChart.Stretch>> lanes = chart.stretches();
        List<String> owners = new ArrayList<>();
        lanes.values()
                .forEach(lane -> lane.forEach(s -> {
                    if (!List.of("free", "kernel", "gone").contains(s.holder())) {
                        owners.add(s.holder());
                    }
                }));
        OwnerPalette palette = new OwnerPalette(owners);
        Svg.Scale x = Svg.linear(1, last + 1, LEFT, LEFT + WIDTH, "");
        int axisY = 20 + lanes.size() * LANE;
        int height = axisY + 40;
        StringBuilder svg = new StringBuilder();
        svg.append("<svg id=\"ownership-timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
                .append(LEFT + WIDTH + 20)
                .append(' ')
                .append(height)
                .append(
                        "\" width=\"100%\" style=\"max-width:1600px\" role=\"img\" aria-label=\"ownership per group\">\n");
        int row = 0;
        for (var lane : lanes.entrySet()) {
            int y = 20 + row * LANE;
            svg.append("<text class=\"lane-label\" x=\"4\" y=\"")
                    .append(y + 16)
                    .append("\">group ")
                    .append(lane.getKey().number())
                    .append("</text>\n");
            List<OwnershipChart.Stretch> stretches = lane.getValue();
            for (int i = 0; i < stretches.size(); i++) {
                OwnershipChart.Stretch s = stretches.get(i);
                long end = i + 1 < stretches.size() ? stretches.get(i + 1).fromSeq() : last + 1;
                double x0 = x.apply(s.fromSeq());
                double w = Math.max(1.0, x.apply(end) - x0);
                String holder = s.holder().equals("kernel") && s.ownerCnt() == 0 ? "free" : s.holder();
                svg.append("<rect class=\"stretch\" x=\"")
                        .append(Svg.fmt(x0))
                        .append("\" y=\"")
                        .append(y)
                        .append("\" width=\"")
                        .append(Svg.fmt(w))
                        .append("\" height=\"20\" fill=\"")
                        .append(palette.colour(holder))
                        .append("\" stroke=\"#fff\" stroke-width=\"0.5\"><title>")
                        .append(escape("group " + lane.getKey().number() + ", decisions " + s.fromSeq() + "-"
                                + (end - 1) + ": " + s.status()))
                        .append("</title></rect>\n");
                svg.append("<circle class=\"change\" cx=\"")
                        .append(Svg.fmt(x0))
                        .append("\" cy=\"")
                        .append(y + 10)
                        .append("\" r=\"2.5\" fill=\"#222\"><title>")
                        .append(escape("decision " + s.fromSeq()))
                        .append("</title></circle>\n");
            }
            row++;
        }
        svg.append(Svg.xAxis(x, LEFT, LEFT + WIDTH, axisY, "decision (journal sequence number)"));
        svg.append("</svg>\n");

        long totalChanges =
                chart.changes().values().stream().mapToLong(List::size).sum();
        StringBuilder table =
                new StringBuilder("<table id=\"changes\"><tr><th>group</th><th>decision</th><th>operation</th>"
                        + "<th>before</th><th>after</th></tr>\n");
        int rows = 0;
        outer:
        for (var entry : chart.changes().entrySet()) {
            for (OwnershipChart.Change c : entry.getValue()) {
                if (rows++ >= maxTableRows) {
                    break outer;
                }
                table.append("<tr><td>")
                        .append(entry.getKey().number())
                        .append("</td><td>")
                        .append(c.seq())
                        .append("</td><td>")
                        .append(escape(c.operationId()))
                        .append("</td><td>")
                        .append(escape(c.before()))
                        .append("</td><td>")
                        .append(escape(c.after()))
                        .append("</td></tr>\n");
            }
        }
        table.append("</table>\n");
        String tableNote;
        if (totalChanges > maxTableRows) {
            tableNote =
                    "<p id=\"table-cut\" class=\"cut\">The table shows the first %,d of %,d ownership changes (in group order, so the later groups are missing). %s</p>"
                            .formatted(
                                    maxTableRows,
                                    totalChanges,
                                    csvName != null
                                            ? "Every change is in <a href=\"" + escape(csvName) + "\">"
                                                    + escape(csvName)
                                                    + "</a>, beside this page; <code>custody replay --group N</code> prints one group's history."
                                            : "<code>custody replay --group N</code> prints one group's history.");
        } else {
            tableNote = "<p id=\"table-note\">All %,d ownership changes.%s</p>"
                    .formatted(
                            totalChanges,
                            csvName != null
                                    ? " The same as CSV: <a href=\"" + escape(csvName) + "\">" + escape(csvName)
                                            + "</a>."
                                    : "");
        }

        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>custody replay: %s</title>
                <style>
                body { font: 13px sans-serif; margin: 16px; }
                .lane-label, .axis { font: 11px monospace; }
                table { border-collapse: collapse; margin-top: 12px; }
                td, th { border: 1px solid #ccc; padding: 2px 6px; font: 11px monospace; text-align: left; }
                .legend span { margin-right: 12px; }
                .swatch i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
                .cut { font-weight: bold; }
                </style></head>
                <body data-rendered-stretches="0">
                <h1>Ownership per group: engine instance %s</h1>
                <p id="summary">%d decisions, %d events, %d invariant violations, %d open decisions.</p>
                %s
                %s%s%s<script>
                // count the stretches the browser laid out: proof for a headless test that the chart rendered
                const drawn = [...document.querySelectorAll('#ownership-timeline rect.stretch')]
                    .filter(r => r.getBBox().width > 0).length;
                document.body.dataset.renderedStretches = String(drawn);
                </script>
                </body></html>
                """.formatted(
                        escape(history.instance()),
                        escape(history.instance()),
                        history.decisions().size(),
                        history.eventCount(),
                        violations,
                        history.openDecisions().size(),
                        palette.legendHtml(),
                        svg,
                        tableNote,
                        table);
    }

    /** Every ownership change of every group, one CSV row each (RFC 4180 quoting). */
    public static String changesCsv(OwnershipChart chart) {
        StringBuilder csv = new StringBuilder("group,decision,operation_id,before,after\r\n");
        chart.changes()
                .forEach((group, changes) -> changes.forEach(c -> csv.append(group.number())
                        .append(',')
                        .append(c.seq())
                        .append(',')
                        .append(quote(c.operationId()))
                        .append(',')
                        .append(quote(c.before()))
                        .append(',')
                        .append(quote(c.after()))
                        .append("\r\n")));
        return csv.toString();
    }

    private static String quote(String field) {
        return field.contains(",") || field.contains("\"") || field.contains("\n") || field.contains("\r")
                ? "\"" + field.replace("\"", "\"\"") + "\""
                : field;
    }

    static String escape(String text) {
        return Svg.escape(text);
    }
}
