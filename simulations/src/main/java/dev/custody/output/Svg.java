package dev.custody.output;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * Axes for the reports' inline SVG charts: an axis line, ticks at round values and their labels, on a
 * linear scale or a log10 one (latencies spread over decades). A chart maps values to pixels with
 * {@link #linear} or {@link #log}; the axis draws that mapping's ticks.
 */
public final class Svg {
    private Svg() {}

    /** Maps a value to a pixel coordinate. */
    public interface Scale extends DoubleFunction<Double> {
        List<Double> ticks();

        String label(double value);
    }

    /** {@code [min, max]} onto {@code [from, to]} pixels, ticks at 1-2-5 steps. */
    public static Scale linear(double min, double max, double from, double to, String unit) {
        double span = max > min ? max - min : 1;
        return new Scale() {
            @Override
            public Double apply(double v) {
                return from + (to - from) * (v - min) / span;
            }

            @Override
            public List<Double> ticks() {
                double step = niceStep(span / 6);
                List<Double> ticks = new ArrayList<>();
                for (double t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
                    ticks.add(t);
                }
                return ticks;
            }

            @Override
            public String label(double value) {
                return number(value) + unit;
            }
        };
    }

    /** {@code [min, max]} (both positive) onto pixels on a log10 scale, ticks at every power of ten. */
    public static Scale log(double min, double max, double from, double to, String unit) {
        double lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
        double hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, min))));
        return new Scale() {
            @Override
            public Double apply(double v) {
                double l = Math.log10(Math.max(v, Math.pow(10, lo)));
                return from + (to - from) * (l - lo) / (hi - lo);
            }

            @Override
            public List<Double> ticks() {
                List<Double> ticks = new ArrayList<>();
                for (double e = lo; e <= hi; e++) {
                    ticks.add(Math.pow(10, e));
                }
                return ticks;
            }

            @Override
            public String label(double value) {
                return number(value) + unit;
            }
        };
    }

    /** A horizontal axis at {@code y} from {@code x0} to {@code x1}, its ticks below, and a title. */
    public static String xAxis(Scale scale, double x0, double x1, double y, String title) {
        StringBuilder svg = new StringBuilder();
        svg.append(line(x0, y, x1, y));
        for (double t : scale.ticks()) {
            double x = scale.apply(t);
            svg.append(line(x, y, x, y + 4));
            svg.append(text(x, y + 15, "middle", scale.label(t)));
        }
        svg.append(text((x0 + x1) / 2, y + 30, "middle", title));
        return "<g class=\"axis x-axis\">" + svg + "</g>\n";
    }

    /** A vertical axis at {@code x} from {@code y0} (bottom) to {@code y1} (top), its ticks left, and a title. */
    public static String yAxis(Scale scale, double x, double y0, double y1, String title) {
        StringBuilder svg = new StringBuilder();
        svg.append(line(x, y0, x, y1));
        for (double t : scale.ticks()) {
            double y = scale.apply(t);
            svg.append(line(x - 4, y, x, y));
            svg.append(text(x - 6, y + 4, "end", scale.label(t)));
        }
        svg.append(
                "<text class=\"axis-title\" transform=\"translate(%s,%s) rotate(-90)\" text-anchor=\"middle\">%s</text>"
                        .formatted(fmt(x - 48), fmt((y0 + y1) / 2), escape(title)));
        return "<g class=\"axis y-axis\">" + svg + "</g>\n";
    }

    static double niceStep(double rough) {
        if (rough <= 0) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        double f = rough / power;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return Math.max(nice * power, 1e-9);
    }

    static String number(double v) {
        if (Math.abs(v) >= 1_000_000 && v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0fM", v / 1e6).replace(".0M", "M");
        }
        if (Math.abs(v) >= 10_000 && v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        }
        if (v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.2g", v);
    }

    private static String line(double x0, double y0, double x1, double y1) {
        return "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#444\"/>"
                .formatted(fmt(x0), fmt(y0), fmt(x1), fmt(y1));
    }

    private static String text(double x, double y, String anchor, String text) {
        return "<text x=\"%s\" y=\"%s\" text-anchor=\"%s\" font-size=\"10\">%s</text>"
                .formatted(fmt(x), fmt(y), anchor, escape(text));
    }

    public static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    public static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
