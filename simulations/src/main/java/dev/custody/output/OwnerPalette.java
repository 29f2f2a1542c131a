package dev.custody.output;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Colours of the owners in an ownership chart, told apart by the eye: every owner its own colour from
 * a categorical palette, in order of first appearance, while there are no more owners than colours;
 * beyond that one colour per kind of owner (a VFIO user's group fds, an iommufd user's contexts...),
 * and the legend says so. The kernel and a free group have fixed greys. No hashing: two owners never
 * share a colour by accident.
 */
public final class OwnerPalette {
    public static final String KERNEL = "#7f7f7f";
    public static final String FREE = "#e8e8e8";
    private static final String[] COLOURS = {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf", "#393b79",
        "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d"
    };

    private final boolean byKind;
    private final Map<String, String> colours = new LinkedHashMap<>();

    /** {@code owners}: every user owner's label the chart shows, in order of first appearance. */
    public OwnerPalette(List<String> owners) {
        List<String> distinct = owners.stream().distinct().toList();
        this.byKind = distinct.size() > COLOURS.length;
        for (String owner : distinct) {
            String key = byKind ? kind(owner) : owner;
            if (!colours.containsKey(key)) {
                colours.put(key, COLOURS[colours.size() % COLOURS.length]);
            }
        }
    }

    /** The owner's kind: its label without the last "-part" (vfio0-g12 -> vfio0). */
    public static String kind(String owner) {
        int dash = owner.lastIndexOf('-');
        return dash > 0 ? owner.substring(0, dash) : owner;
    }

    public String colour(String owner) {
        return switch (owner) {
            case "kernel" -> KERNEL;
            case "free", "gone" -> FREE;
            default -> colours.getOrDefault(byKind ? kind(owner) : owner, "#000000");
        };
    }

    public boolean byKind() {
        return byKind;
    }

    /** An HTML legend: the greys, then every owner (or kind) with its colour. */
    public String legendHtml() {
        List<String> items = new ArrayList<>();
        items.add(swatch(KERNEL, "kernel DMA"));
        items.add(swatch(FREE, "free"));
        colours.forEach((owner, colour) -> items.add(swatch(colour, owner + (byKind ? "-*" : ""))));
        String note = byKind
                ? " <em>(more owners than colours: one colour per kind of owner; hover a band for its owner)</em>"
                : "";
        return "<p class=\"legend\">" + String.join("", items) + note + "</p>";
    }

    private static String swatch(String colour, String label) {
        return "<span class=\"swatch\"><i style=\"background:" + colour + "\"></i>" + Svg.escape(label) + "</span>";
    }
}
