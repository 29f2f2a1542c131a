package dev.custody.live;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/** A host whose kernel answers ok unless a test queued another answer; it keeps every line it was given. */
final class FakeHost implements HostCalls {
    final List<String> performed = new ArrayList<>();
    private final Deque<String> answers = new ArrayDeque<>();

    /** The kernel's next answer (an errno's name, WARN, PENDING); later lines get ok again. */
    FakeHost answersNext(String result) {
        answers.add(result);
        return this;
    }

    @Override
    public synchronized Answer perform(String step, String line) {
        performed.add(line);
        return new Answer(answers.isEmpty() ? "ok" : answers.poll(), Map.of());
    }
}
