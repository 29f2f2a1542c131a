package dev.custody.replay;

import dev.custody.model.GroupId;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML page (inline SVG and one inline script, nothing fetched) with one lane per
 * group across the journal's decisions: who held the group when, and every decision that changed it.
 * The script only counts the chart's laid-out shapes into {@code body[data-rendered-stretches]}, so a
 * headless browser can prove the chart rendered.
 */
public final class HtmlReport {
    private HtmlReport() {}

    private static final int LEFT = 90;
    private static final int WIDTH = 1000;
    private static final int LANE = 28;
    private static final int MAX_TABLE_ROWS = 5000;

    public static String render(JournalHistory history, OwnershipChart chart, int violations) {
        long last = Math.max(1, chart.lastSeq());
        Map<GroupId, List<OwnershipChart.Stretch>> lanes = chart.stretches();
        int height = 40 + lanes.size() * LANE;
        StringBuilder svg = new StringBuilder();
        svg.append("<svg id=\"ownership-timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(LEFT + WIDTH + 20)
                .append("\" height=\"")
                .append(height)
                .append("\" role=\"img\" aria-label=\"ownership per group\">\n");
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
                double x = LEFT + WIDTH * (s.fromSeq() - 1) / (double) last;
                double w = Math.max(1.0, WIDTH * (end - s.fromSeq()) / (double) last);
                svg.append("<rect class=\"stretch\" x=\"")
                        .append(fmt(x))
                        .append("\" y=\"")
                        .append(y)
                        .append("\" width=\"")
                        .append(fmt(w))
                        .append("\" height=\"20\" fill=\"")
                        .append(color(s.holder()))
                        .append("\"><title>")
                        .append(escape("group " + lane.getKey().number() + " from decision " + s.fromSeq() + ": "
                                + s.status()))
                        .append("</title></rect>\n");
                svg.append("<circle class=\"change\" cx=\"")
                        .append(fmt(x))
                        .append("\" cy=\"")
                        .append(y + 10)
                        .append("\" r=\"2.5\" fill=\"#222\"><title>")
                        .append(escape("decision " + s.fromSeq()))
                        .append("</title></circle>\n");
            }
            row++;
        }
        svg.append("<text class=\"axis\" x=\"")
                .append(LEFT)
                .append("\" y=\"")
                .append(height - 4)
                .append("\">decision 1</text><text class=\"axis\" text-anchor=\"end\" x=\"")
                .append(LEFT + WIDTH)
                .append("\" y=\"")
                .append(height - 4)
                .append("\">decision ")
                .append(last)
                .append("</text>\n</svg>\n");

        StringBuilder table =
                new StringBuilder("<table id=\"changes\"><tr><th>group</th><th>decision</th><th>operation</th>"
                        + "<th>before</th><th>after</th></tr>\n");
        int rows = 0;
        for (var entry : chart.changes().entrySet()) {
            for (OwnershipChart.Change c : entry.getValue()) {
                if (rows++ >= MAX_TABLE_ROWS) {
                    break;
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

        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>custody replay: %s</title>
                <style>
                body { font: 13px sans-serif; margin: 16px; }
                .lane-label, .axis { font: 11px monospace; }
                table { border-collapse: collapse; margin-top: 12px; }
                td, th { border: 1px solid #ccc; padding: 2px 6px; font: 11px monospace; text-align: left; }
                .legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: middle; }
                </style></head>
                <body data-rendered-stretches="0">
                <h1>Ownership per group: engine instance %s</h1>
                <p id="summary">%d decisions, %d events, %d invariant violations, %d open decisions.</p>
                <p class="legend"><span style="background:%s"></span>free<span style="background:%s"></span>kernel DMA
                <span style="background:#7a5cc4"></span>user owner (shade per owner)<span style="background:%s"></span>group gone</p>
                %s%s<script>
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
                        color("free"),
                        color("kernel"),
                        color("gone"),
                        svg,
                        table);
    }

    private static String color(String holder) {
        return switch (holder) {
            case "free" -> "#d9d9d9";
            case "kernel" -> "#4f8fd6";
            case "gone" -> "#ffffff";
            default -> "hsl(" + (250 + Math.floorMod(holder.hashCode(), 60)) + ", 45%, 55%)";
        };
    }

    private static String fmt(double value) {
        return String.format(java.util.Locale.ROOT, "%.2f", value);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
