package dev.custody.scenario;

import java.util.Optional;

/** An invalid scenario file: names the file, the step (1-based) and the field that is wrong. */
public final class ScenarioException extends RuntimeException {
    private final String file;
    private final Optional<Integer> step;
    private final Optional<String> field;

    public ScenarioException(String file, Optional<Integer> step, Optional<String> field, String problem) {
        super(format(file, step, field, problem));
        this.file = file;
        this.step = step;
        this.field = field;
    }

    public static ScenarioException atStep(String file, int step, String field, String problem) {
        return new ScenarioException(file, Optional.of(step), Optional.of(field), problem);
    }

    public static ScenarioException atField(String file, String field, String problem) {
        return new ScenarioException(file, Optional.empty(), Optional.of(field), problem);
    }

    public String file() {
        return file;
    }

    public Optional<Integer> step() {
        return step;
    }

    public Optional<String> field() {
        return field;
    }

    private static String format(String file, Optional<Integer> step, Optional<String> field, String problem) {
        StringBuilder where = new StringBuilder(file);
        step.ifPresent(s -> where.append(": step ").append(s));
        field.ifPresent(
                f -> where.append(step.isPresent() ? ", field " : ": field ").append(f));
        return where + ": " + problem;
    }
}
