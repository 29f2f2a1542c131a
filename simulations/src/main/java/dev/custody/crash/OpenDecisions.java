package dev.custody.crash;

import com.typesafe.config.Config;
import dev.custody.entity.EntityId;
import dev.custody.entity.EventRouting;
import dev.custody.replay.BadJournal;
import dev.custody.replay.EntityProgress;
import dev.custody.replay.JournalHistory;
import dev.custody.replay.RecordedDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The audit's open-decision check after a recovery that reported entities stuck (it said it was
 * settled, not quiet: its own violation, counted by the crash test). A stuck entity holds the engine's
 * mark of how far the entities have come back, so every later decision reads as open in the engine's
 * journal, those only the other entities had to write too. Each such decision is checked against the
 * journals of its entities (which entity an event goes to: {@link EventRouting#split}): the stuck ones'
 * part is left open, as it must be, and every other entity must have written it.
 */
final class OpenDecisions {
    private OpenDecisions() {}

    /** How a stuck entity is named in the child's line ({@code StuckEntity.describe}). */
    private static final Pattern STUCK = Pattern.compile("^entity (\\S+) is stuck: ");

    /**
     * A problem for each decision of {@code open} (up to the recovered one) that an entity not stuck
     * did not write; {@code stuck}: the child's lines, each naming a stuck entity.
     */
    static List<String> notWrittenBesides(
            Config journal, String instance, JournalHistory history, List<Long> open, List<String> stuck) {
        Set<String> stuckIds = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (String line : stuck) {
            Optional<String> id = persistenceId(line);
            if (id.isEmpty()) {
                return List.of("a stuck entity the audit cannot name (" + line + "), so the open decisions " + open
                        + " are not checked");
            }
            stuckIds.add(id.get());
        }
        Map<Long, RecordedDecision> bySeq =
                history.decisions().stream().collect(Collectors.toMap(RecordedDecision::seq, d -> d));
        Map<Long, List<String>> others = new java.util.LinkedHashMap<>();
        Set<String> toRead = new TreeSet<>();
        for (long seq : open) {
            List<String> entities = EventRouting.split(bySeq.get(seq).events()).keySet().stream()
                    .map((EntityId e) -> e.persistenceId(instance))
                    .filter(id -> !stuckIds.contains(id))
                    .toList();
            others.put(seq, entities);
            toRead.addAll(entities);
        }
        if (toRead.isEmpty()) {
            return problems;
        }
        Map<String, Long> written;
        try {
            written = EntityProgress.lastDecisions(journal, toRead);
        } catch (BadJournal unreadable) {
            return List.of("the open decisions " + open + " cannot be checked against the entities' journals: "
                    + unreadable.getMessage());
        }
        others.forEach((seq, entities) -> {
            List<String> behind =
                    entities.stream().filter(id -> written.get(id) < seq).toList();
            if (!behind.isEmpty()) {
                problems.add("decision " + seq + " was still open for " + String.join(", ", behind)
                        + " after the recovery said it was settled (stuck: " + String.join(", ", stuckIds) + ")");
            }
        });
        return problems;
    }

    static Optional<String> persistenceId(String stuckLine) {
        Matcher m = STUCK.matcher(stuckLine);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
