package dev.custody.entity;

import dev.custody.model.Errno;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import java.util.Optional;

/**
 * An answer as the journal records it: {@code result} as the scenario format names it ("ok", an
 * errno such as "EPERM", "WARN" or "PENDING"), the reason given with anything but ok (empty for ok,
 * but for a kernel's ok that a check after the call found at odds with the model, {@link HostRecord}),
 * and for ok the reply's value ({@link ReplyText}, empty when it has none). Strings, so that a later
 * version reads it whatever it adds to replies and errnos.
 */
public record AnswerRecord(String result, String reason, String value) {

    public static AnswerRecord of(Outcome<Reply> outcome) {
        return switch (outcome) {
            case Outcome.Ok<Reply> ok -> new AnswerRecord("ok", "", ReplyText.write(ok.value()));
            case Outcome.Failed<Reply> failed -> new AnswerRecord(failed.errno().name(), failed.reason(), "");
            case Outcome.Warned<Reply> warned -> new AnswerRecord("WARN", warned.reason(), "");
            case Outcome.Pending<Reply> pending -> new AnswerRecord("PENDING", pending.reason(), "");
        };
    }

    /** The outcome this records, as the caller was given it. */
    public Outcome<Reply> outcome() {
        return switch (result) {
            case "ok" -> Outcome.ok(ReplyText.read(value));
            case "WARN" -> Outcome.warn(reason);
            case "PENDING" -> Outcome.pending(reason);
            default -> Outcome.fail(Errno.valueOf(result), reason);
        };
    }

    public boolean ok() {
        return result.equals("ok");
    }

    /** The errno of a refusal; empty for ok, WARN and PENDING. */
    public Optional<Errno> errno() {
        return switch (result) {
            case "ok", "WARN", "PENDING" -> Optional.empty();
            default -> Optional.of(Errno.valueOf(result));
        };
    }
}
