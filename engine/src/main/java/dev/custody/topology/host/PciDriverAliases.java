package dev.custody.topology.host;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The PCI lines of a kernel's module alias files ({@code modules.alias}, {@code
 * modules.builtin.alias}): which module's id table matches a device, by the device's {@code
 * modalias} ({@code pci:v00008086d000010D3sv...}). depmod writes one line per id-table entry, {@code
 * alias PATTERN MODULE}, with the fields a table leaves open as {@code *}; this is what modprobe and
 * udev match a new device against, and what the PCI bus's pci_match_device checks on a bind.
 */
public final class PciDriverAliases {
    private record Alias(Pattern pattern, String module) {}

    private static final String PCI = "pci:";

    private final List<Alias> aliases;

    private PciDriverAliases(List<Alias> aliases) {
        this.aliases = List.copyOf(aliases);
    }

    public static PciDriverAliases none() {
        return new PciDriverAliases(List.of());
    }

    /** The PCI aliases among {@code lines}; other buses' lines, comments and lines of another form are passed over. */
    public static PciDriverAliases parse(Stream<String> lines) {
        List<Alias> aliases = new ArrayList<>();
        lines.forEach(line -> {
            String[] words = line.strip().split("\\s+");
            if (words.length == 3 && words[0].equals("alias") && words[1].startsWith(PCI)) {
                aliases.add(new Alias(glob(words[1]), words[2]));
            }
        });
        return new PciDriverAliases(aliases);
    }

    /** These aliases and {@code more}, in that order (modules.alias, then modules.builtin.alias). */
    public PciDriverAliases and(PciDriverAliases more) {
        List<Alias> all = new ArrayList<>(aliases);
        all.addAll(more.aliases);
        return new PciDriverAliases(all);
    }

    /** The modules whose id tables match {@code modalias}, each once, in the files' order. */
    public Set<String> modulesFor(String modalias) {
        Set<String> modules = new LinkedHashSet<>();
        for (Alias alias : aliases) {
            if (alias.pattern().matcher(modalias).matches()) {
                modules.add(alias.module());
            }
        }
        return modules;
    }

    public int size() {
        return aliases.size();
    }

    /** fnmatch(3) as module-init-tools uses it: {@code *}, {@code ?} and bracket classes; the rest literal. */
    static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*') {
                regex.append(".*");
            } else if (c == '?') {
                regex.append('.');
            } else if (c == '[' && pattern.indexOf(']', i + 1) > i + 1) {
                int end = pattern.indexOf(']', i + 1);
                String members = pattern.substring(i + 1, end);
                regex.append('[')
                        .append(members.startsWith("!") ? "^" + quoteClass(members.substring(1)) : quoteClass(members))
                        .append(']');
                i = end;
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }

    /** A bracket class's members with regex-special characters escaped, ranges ({@code a-f}) kept. */
    private static String quoteClass(String members) {
        StringBuilder quoted = new StringBuilder();
        for (char c : members.toCharArray()) {
            if (c == '\\' || c == '[' || c == ']' || c == '^' || c == '&') {
                quoted.append('\\');
            }
            quoted.append(c);
        }
        return quoted.toString();
    }
}
