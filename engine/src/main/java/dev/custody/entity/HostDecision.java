package dev.custody.entity;

import dev.custody.model.Outcome;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.util.List;
import java.util.Optional;

/**
 * What a caller is given when the host had its say ({@link HostPort}): the model's decision when the
 * kernel agreed or nothing was carried out; on drift the kernel's answer, with the model's events when
 * the kernel did act (it answered ok, WARN or PENDING) and none when it refused, because a refused call
 * changes nothing in the kernel either.
 */
final class HostDecision {
    private HostDecision() {}

    static Decision given(KernelState before, Decision model, Optional<HostRecord> host) {
        AnswerRecord predicted = AnswerRecord.of(model.outcome());
        if (host.isEmpty() || !host.get().drifted(predicted)) {
            return model;
        }
        Outcome<dev.custody.model.Reply> kernel = host.get().kernel().outcome();
        return host.get().kernelRefused()
                ? new Decision(List.of(), kernel, before)
                : new Decision(model.events(), kernel, model.state());
    }

    static boolean drifted(Decision model, Optional<HostRecord> host) {
        return host.isPresent() && host.get().drifted(AnswerRecord.of(model.outcome()));
    }
}
