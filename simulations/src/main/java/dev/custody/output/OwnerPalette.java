package dev.custody.output;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Colours of the owners in an ownership chart, told apart by the eye: every owner its own colour from
 * a categorical palette, in order of first appearance, while there are no more owners than colours;
 * beyond that one colour per kind of owner, the coarsest naming that fits: the label without its last
 * "-part" (qemu1-g3 -> qemu1: one user's fds), then also without trailing digits (qemu1 -> qemu: every
 * VFIO user); the legend says so. The kernel and a free group have fixed greys. No hashing: two owners never
 * share a colour by accident.
 */
public final class OwnerPalette {
    public static final String KERNEL = "#7f7f7f";
    public static final String FREE = "#e8e8e8";
    private static final String[] COLOURS = {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf", "#393b79",
        "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d"
    };

    private final int level;
    private final Map<String, String> colours = new LinkedHashMap<>();

    /** {@code owners}: every user owner's label the chart shows, in order of first appearance. */
    public OwnerPalette(List<String> owners) {
        List<String> distinct = owners.stream().distinct().toList();
        int fits = 0;
        while (fits < 2 && kinds(distinct, fits) > COLOURS.length) {
            fits++;
        }
        this.level = fits;
        for (String owner : distinct) {
            colours.putIfAbsent(key(owner, level), COLOURS[colours.size() % COLOURS.length]);
        }
    }

    private static long kinds(List<String> owners, int level) {
        return owners.stream().map(o -> key(o, level)).distinct().count();
    }

    /** The owner itself (level 0), without its last "-part" (1), and also without trailing digits (2). */
    static String key(String owner, int level) {
        if (level == 0) {
            return owner;
        }
        int dash = owner.lastIndexOf('-');
        String kind = dash > 0 ? owner.substring(0, dash) : owner;
        if (level == 2) {
            String bare = kind.replaceAll("\\d+$", "");
            kind = bare.isEmpty() ? kind : bare;
        }
        return kind;
    }

    public String colour(String owner) {
        return switch (owner) {
            case "kernel" -> KERNEL;
            case "free", "gone" -> FREE;
            default -> colours.getOrDefault(key(owner, level), "#000000");
        };
    }

    public boolean byKind() {
        return level > 0;
    }

    /** An HTML legend: the greys, then every owner (or kind) with its colour. */
    public String legendHtml() {
        List<String> items = new ArrayList<>();
        items.add(swatch(KERNEL, "kernel DMA"));
        items.add(swatch(FREE, "free"));
        colours.forEach((owner, colour) -> items.add(swatch(colour, owner + (level > 0 ? "*" : ""))));
        String note = level > 0
                ? " <em>(more owners than colours: one colour per kind of owner; hover a band for its owner)</em>"
                : "";
        return "<p class=\"legend\">" + String.join("", items) + note + "</p>";
    }

    private static String swatch(String colour, String label) {
        return "<span class=\"swatch\"><i style=\"background:" + colour + "\"></i>" + Svg.escape(label) + "</span>";
    }
}
