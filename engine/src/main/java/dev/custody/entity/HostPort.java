package dev.custody.entity;

import dev.custody.model.Command;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The host kernel behind a coordinator, in live host mode: where an accepted decision is carried out
 * and what is seen there. The coordinator calls it in decision order, from its own thread, so a call
 * here is made under the same serialization as the kernel's {@code group->mutex} would impose; the
 * calls block for as long as the kernel takes (a sysfs write, an ioctl). Every engine that is not live
 * has {@link #NONE}.
 */
public interface HostPort {

    /** No host: the model alone decides and nothing is carried out. */
    HostPort NONE = new HostPort() {
        @Override
        public Optional<String> refusal(KernelState before, Command<?> command) {
            return Optional.empty();
        }

        @Override
        public Optional<HostRecord> carryOut(KernelState before, Command<?> command, Decision model) {
            return Optional.empty();
        }

        @Override
        public List<Observation> resync(KernelState after, Command<?> command) {
            return List.of();
        }

        @Override
        public void drifted(CommandRecord command, AnswerRecord model, HostRecord host) {}
    };

    /**
     * A change the host shows that the model does not know yet, as the command that makes it follow.
     * {@code stillNeeded} says, against the state the coordinator is about to decide it on, whether the
     * model still differs: a change the engine made itself, seen before its decision was recorded, is
     * then dropped instead of followed twice.
     */
    record Observation(Command<?> command, String seen, Predicate<KernelState> stillNeeded) {
        public Observation(Command<?> command, String seen) {
            this(command, seen, state -> true);
        }
    }

    /**
     * Why {@code command} may not touch this host (a device or group outside the allow-list): it is then
     * answered {@code EACCES} and nothing is decided or carried out. Empty when it may.
     */
    Optional<String> refusal(KernelState before, Command<?> command);

    /**
     * Carries out on the host a command the model did not refuse and returns what was done and the
     * kernel's answer; empty when the command has nothing to carry out. Never throws for a kernel error:
     * an answer the model did not predict is drift, recorded and answered with the kernel's result.
     */
    Optional<HostRecord> carryOut(KernelState before, Command<?> command, Decision model);

    /** After a drift on {@code command}: what the host shows now for the objects it touched, for the model to follow. */
    List<Observation> resync(KernelState after, Command<?> command);

    /**
     * The kernel answered {@code command} otherwise than the model, or the model could not follow a change
     * seen on the host: told once per drift, after it is recorded for the next journal write.
     */
    void drifted(CommandRecord command, AnswerRecord model, HostRecord host);
}
