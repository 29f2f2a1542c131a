package dev.custody.oracle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The guest agent's answer lines, parsed (the line format is documented in custody-agent.c).
 * Set-up lines answer as step "-"; those the harness must find again have a name of their own
 * ("-kernel", "-kmod"), kept in {@code facts}. {@code hungAt} is the step the agent gave up on.
 */
public record AgentAnswers(
        Map<Integer, Answer> steps,
        List<Answer> setUp,
        Map<String, Answer> facts,
        Map<Integer, List<Completion>> completions,
        List<List<String>> groups,
        List<String> problems,
        Optional<String> hungAt,
        boolean finished) {

    /** One step's answer: ok, an errno name or PENDING, and named values. */
    public record Answer(String result, Map<String, String> values) {
        public Optional<String> value(String name) {
            return Optional.ofNullable(values.get(name));
        }
    }

    /** A PENDING step that finished while a later step ran; {@code result} is its final answer. */
    public record Completion(int pendingStep, String result) {}

    public static AgentAnswers parse(List<String> lines) {
        Map<Integer, Answer> steps = new TreeMap<>();
        List<Answer> setUp = new ArrayList<>();
        Map<String, Answer> facts = new LinkedHashMap<>();
        Optional<String> hungAt = Optional.empty();
        Map<Integer, List<Completion>> completions = new TreeMap<>();
        List<List<String>> groups = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        boolean finished = false;
        for (String raw : lines) {
            String line = raw.strip();
            String[] words = line.split(" ");
            switch (words[0]) {
                case "R" -> {
                    if (words.length < 3) {
                        problems.add("short answer: " + line);
                        continue;
                    }
                    Answer answer = new Answer(words[2], values(words));
                    if (words[1].equals("-")) {
                        setUp.add(answer);
                    } else if (words[1].startsWith("-")) {
                        facts.put(words[1].substring(1), answer);
                    } else {
                        steps.put(Integer.parseInt(words[1]), answer);
                    }
                }
                case "C" -> {
                    if (words.length == 4 && !words[2].equals("end")) {
                        completions
                                .computeIfAbsent(Integer.parseInt(words[2]), s -> new ArrayList<>())
                                .add(new Completion(Integer.parseInt(words[1]), words[3]));
                    }
                }
                case "G" -> groups.add(List.of(words).subList(2, words.length));
                case "E" -> problems.add(line.substring(1).strip());
                case "H" -> hungAt = Optional.of(words.length > 1 ? words[1] : "?");
                case "END" -> finished = true;
                default -> {}
            }
        }
        return new AgentAnswers(steps, setUp, facts, completions, groups, problems, hungAt, finished);
    }

    private static Map<String, String> values(String[] words) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 3; i < words.length; i++) {
            int equals = words[i].indexOf('=');
            if (equals > 0) {
                values.put(words[i].substring(0, equals), words[i].substring(equals + 1));
            }
        }
        return values;
    }
}
