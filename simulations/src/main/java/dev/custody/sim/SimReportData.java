package dev.custody.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.HdrHistogram.Histogram;

/**
 * The data of the HTML report, written beside it for other tools: the JSON summary with every series
 * the charts draw (the ownership timeline, operations per second, latency percentiles per operation),
 * and the latency of all calls as HdrHistogram's percentile distribution ({@code .hgrm}, what
 * HdrHistogram's plotter reads; values in microseconds).
 */
public final class SimReportData {
    private static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99, 100};

    private SimReportData() {}

    public static String json(SimResult r) {
        ObjectNode root = SimReport.json(r);
        ArrayNode timeline = root.putArray("ownershipTimeline");
        r.timeline()
                .forEach(p -> timeline.addObject()
                        .put("afterOperation", p.step())
                        .put("group", p.group())
                        .put("owner", p.owner())
                        .put("ownerCnt", p.ownerCnt())
                        .put("domain", p.domain()));
        ArrayNode perSecond = root.putArray("operationsPerSecond");
        r.throughputPerSecond().forEach(perSecond::add);
        ObjectNode latency = root.putObject("latencyPercentilesMicros");
        r.latencies().forEach((op, h) -> {
            ObjectNode node = latency.putObject(op);
            node.put("count", h.getTotalCount());
            for (double p : PERCENTILES) {
                node.put(p == 100 ? "max" : "p" + String.valueOf(p).replace(".0", ""), SimReport.micros(h, p));
            }
        });
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the report's JSON cannot be written", e);
        }
    }

    /** Every call's latency, all operations together, as {@code outputPercentileDistribution} writes it (microseconds). */
    public static String hgrm(SimResult r) {
        Histogram all = new Histogram(3);
        r.latencies().values().forEach(all::add);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8)) {
            all.outputPercentileDistribution(out, 5, 1000.0);
        }
        return text.toString(StandardCharsets.UTF_8);
    }
}
