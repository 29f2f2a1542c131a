package dev.custody.replay;

import dev.custody.entity.AnswerRecord;
import dev.custody.entity.HostRecord;
import java.util.Optional;

/**
 * A recorded answer as an investigator reads it in a timeline: the result the caller was given (the
 * kernel's, in live host mode), marked when it drifted from the model's, and the reason followed by what
 * the host did (the line carried out, the line a dry run did not, the change seen, the allow-list).
 */
final class HostText {
    private HostText() {}

    static String result(AnswerRecord model, Optional<HostRecord> host) {
        if (host.isEmpty()) {
            return model.result();
        }
        HostRecord record = host.get();
        if (!record.drifted(model)) {
            return record.kernel().result();
        }
        // both ok with the same value: a check after the call differed, which the reason says
        if (record.kernel().ok() && model.ok() && record.kernel().value().equals(model.value())) {
            return record.kernel().result() + " (drift: " + record.kernel().reason() + ")";
        }
        // both ok with other values (the driver a probe bound): the values say what differed
        return record.kernel().result().equals(model.result())
                ? record.kernel().result() + " " + record.kernel().value() + " (drift: the model answered "
                        + model.result() + " " + model.value() + ")"
                : record.kernel().result() + " (drift: the model answered " + model.result() + ")";
    }

    static String reason(AnswerRecord model, Optional<HostRecord> host) {
        if (host.isEmpty()) {
            return model.reason();
        }
        HostRecord record = host.get();
        String reason = record.drifted(model) ? record.kernel().reason() : model.reason();
        String did = record.kind() + ": " + record.action();
        return reason.isEmpty() ? did : reason + "; " + did;
    }
}
