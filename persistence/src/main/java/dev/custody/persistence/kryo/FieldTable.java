package dev.custody.persistence.kryo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The stable tag of every field of every journaled record, read from {@value #RESOURCE}: a record is
 * written as its fields by tag, so a field keeps its tag whatever its position, name or neighbours.
 * One line per field: class id, tag, component name, declared type, presence and state.
 *
 * <ul>
 *   <li>presence {@code unversioned}: the field is in the positional records of format 0, at the place
 *       its tag gives among the class's unversioned fields, and in every later record;
 *   <li>{@code required}: in every record of the class (the class was registered after format 0);
 *   <li>{@code defaulted}: added to the class later, so older records lack it and read it as its default
 *       (empty Optional or collection, 0, false, or the class's static {@code default<Name>()});
 *   <li>state {@code retired}: no longer a component; records that hold it skip it.
 * </ul>
 *
 * A class with no line takes tags in declaration order (and {@code FieldTableTest} asks for its
 * lines). Lines are only ever added; a rename changes the name only, never the tag.
 */
final class FieldTable {
    static final String RESOURCE = "journal-fields.tsv";

    enum Presence {
        UNVERSIONED,
        REQUIRED,
        DEFAULTED
    }

    record Line(int classId, int tag, String name, String type, Presence presence, boolean retired) {
        String text() {
            return classId + "\t" + tag + "\t" + name + "\t" + type + "\t"
                    + presence.name().toLowerCase(java.util.Locale.ROOT) + "\t" + (retired ? "retired" : "live");
        }
    }

    private final String header;
    private final Map<Integer, List<Line>> byClass;

    private FieldTable(String header, Map<Integer, List<Line>> byClass) {
        this.header = header;
        this.byClass = byClass;
    }

    /** The table this build writes with, from the class path. */
    static FieldTable standard() {
        try (InputStream in = FieldTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static FieldTable parse(String text, String source) {
        StringBuilder header = new StringBuilder();
        Map<Integer, List<Line>> byClass = new TreeMap<>();
        int number = 0;
        for (String raw : text.split("\n", -1)) {
            number++;
            if (raw.isBlank()) {
                continue;
            }
            if (raw.startsWith("#")) {
                if (byClass.isEmpty()) {
                    header.append(raw).append('\n');
                }
                continue;
            }
            String[] cells = raw.split("\t", -1);
            try {
                if (cells.length != 6 || !(cells[5].equals("live") || cells[5].equals("retired"))) {
                    throw new IllegalArgumentException("six cells: id, tag, name, type, presence, live|retired");
                }
                Line line = new Line(
                        Integer.parseInt(cells[0]),
                        Integer.parseInt(cells[1]),
                        cells[2],
                        cells[3],
                        Presence.valueOf(cells[4].toUpperCase(java.util.Locale.ROOT)),
                        cells[5].equals("retired"));
                if (line.tag() < 1) {
                    throw new IllegalArgumentException("tags start at 1");
                }
                byClass.computeIfAbsent(line.classId(), id -> new ArrayList<>()).add(line);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(
                        source + " line " + number + " (\"" + raw + "\"): " + e.getMessage(), e);
            }
        }
        byClass.values().forEach(lines -> lines.sort(Comparator.comparingInt(Line::tag)));
        return new FieldTable(header.toString(), byClass);
    }

    /** The class's lines by tag, or, for a class the table does not list, tags in declaration order. */
    List<Line> linesOf(int classId, Class<?> type) {
        List<Line> lines = byClass.get(classId);
        return lines != null ? lines : derived(classId, type);
    }

    /** Whether the table lists the class's fields (a record with no fields needs no line). */
    boolean lists(int classId, Class<?> type) {
        return byClass.containsKey(classId) || type.getRecordComponents().length == 0;
    }

    /**
     * This table with lines for what {@code table}'s records hold and it does not: a class it does not
     * list, a component new to a class ({@code defaulted}, the next tag), a component gone ({@code
     * retired}). What the table says about every other field stays.
     */
    FieldTable completedFor(Map<Integer, Class<?>> table) {
        Map<Integer, List<Line>> next = new TreeMap<>();
        byClass.forEach((id, lines) -> next.put(id, new ArrayList<>(lines)));
        table.forEach((id, type) -> {
            if (!type.isRecord()) {
                return;
            }
            if (!next.containsKey(id)) {
                next.put(id, new ArrayList<>(derived(id, type)));
                return;
            }
            List<Line> lines = next.get(id);
            Set<String> components = new HashSet<>();
            for (RecordComponent component : type.getRecordComponents()) {
                components.add(component.getName());
                boolean listed =
                        lines.stream().anyMatch(l -> !l.retired() && l.name().equals(component.getName()));
                if (!listed) {
                    int tag = lines.stream().mapToInt(Line::tag).max().orElse(0) + 1;
                    lines.add(new Line(
                            id,
                            tag,
                            component.getName(),
                            component.getGenericType().getTypeName(),
                            Presence.DEFAULTED,
                            false));
                }
            }
            lines.replaceAll(l -> !l.retired() && !components.contains(l.name())
                    ? new Line(l.classId(), l.tag(), l.name(), l.type(), l.presence(), true)
                    : l);
        });
        return new FieldTable(header, next);
    }

    String text() {
        StringBuilder text = new StringBuilder(header);
        byClass.values()
                .forEach(lines -> lines.forEach(line -> text.append(line.text()).append('\n')));
        return text.toString();
    }

    /** Declaration order; unversioned below the first id registered after format 0, else required. */
    private static List<Line> derived(int classId, Class<?> type) {
        List<Line> lines = new ArrayList<>();
        RecordComponent[] components = type.getRecordComponents();
        for (int n = 0; n < components.length; n++) {
            lines.add(new Line(
                    classId,
                    n + 1,
                    components[n].getName(),
                    components[n].getGenericType().getTypeName(),
                    classId < Registrations.FIRST_VERSIONED_ID ? Presence.UNVERSIONED : Presence.REQUIRED,
                    false));
        }
        return lines;
    }
}
