package dev.custody.persistence.kryo;

import com.esotericsoftware.kryo.KryoException;
import dev.custody.model.Outcome;
import dev.custody.rules.mapping.MappingStep;

/** Rebuilding a mapping object replays its public operations; a refusal means the record is corrupt. */
final class Steps {
    private Steps() {}

    static <S> S accepted(MappingStep<S, ?> step, String what) {
        if (step.outcome() instanceof Outcome.Failed<?> failed) {
            throw new KryoException("cannot rebuild " + what + ": " + failed.errno() + " " + failed.reason());
        }
        if (!step.outcome().isOk()) {
            throw new KryoException("cannot rebuild " + what + ": " + step.outcome());
        }
        return step.state();
    }
}
