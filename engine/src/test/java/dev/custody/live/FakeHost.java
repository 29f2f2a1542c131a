package dev.custody.live;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/** A host whose kernel answers ok unless a test queued another answer; it keeps every line it was given. */
final class FakeHost implements HostCalls {
    final List<String> performed = new ArrayList<>();
    private final Deque<Answer> answers = new ArrayDeque<>();

    /** The kernel's next answer (an errno's name, WARN, PENDING); later lines get ok again. */
    FakeHost answersNext(String result) {
        return answersNext(result, Map.of());
    }

    /** The kernel's next answer with the values the agent reports with it (a probe's driver). */
    FakeHost answersNext(String result, Map<String, String> values) {
        answers.add(new Answer(result, values));
        return this;
    }

    @Override
    public synchronized Answer perform(String step, String line) {
        performed.add(line);
        return answers.isEmpty() ? new Answer("ok", Map.of()) : answers.poll();
    }
}
