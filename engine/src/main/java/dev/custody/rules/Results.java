package dev.custody.rules;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;

/** Short spellings for the outcomes rules return. */
final class Results {
    private Results() {}

    static final Outcome<Reply> OK = Outcome.ok(Reply.NONE);

    static Outcome<Reply> fail(Errno errno, String reason) {
        return Outcome.fail(errno, reason);
    }

    static Outcome<Reply> warn(String reason) {
        return Outcome.warn(reason);
    }

    static Outcome<Reply> ok(Reply reply) {
        return Outcome.ok(reply);
    }
}
