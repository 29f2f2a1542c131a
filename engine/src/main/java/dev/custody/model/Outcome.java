package dev.custody.model;

import java.util.Objects;
import java.util.Optional;

/**
 * The answer of one kernel operation: success with a value, a kernel errno, a WARN (the kernel
 * warned and changed nothing), or pending (the kernel call blocks until something else happens).
 * Every non-ok outcome carries a short human reason.
 */
public sealed interface Outcome<T> {

    record Ok<T>(T value) implements Outcome<T> {}

    record Failed<T>(Errno errno, String reason) implements Outcome<T> {
        public Failed {
            Objects.requireNonNull(errno);
            Objects.requireNonNull(reason);
        }
    }

    record Warned<T>(String reason) implements Outcome<T> {
        public Warned {
            Objects.requireNonNull(reason);
        }
    }

    record Pending<T>(String reason) implements Outcome<T> {
        public Pending {
            Objects.requireNonNull(reason);
        }
    }

    static <T> Outcome<T> ok(T value) {
        return new Ok<>(value);
    }

    static Outcome<Void> ok() {
        return new Ok<>(null);
    }

    static <T> Outcome<T> fail(Errno errno, String reason) {
        return new Failed<>(errno, reason);
    }

    static <T> Outcome<T> warn(String reason) {
        return new Warned<>(reason);
    }

    static <T> Outcome<T> pending(String reason) {
        return new Pending<>(reason);
    }

    default boolean isOk() {
        return this instanceof Ok;
    }

    /** The scenario-format name of this result: "ok", an errno name, "WARN" or "PENDING". */
    default String resultName() {
        return switch (this) {
            case Ok<T> ok -> "ok";
            case Failed<T> f -> f.errno().name();
            case Warned<T> w -> "WARN";
            case Pending<T> p -> "PENDING";
        };
    }

    /** The human reason of a non-ok outcome (a method name of its own: the records' {@code reason()} returns String). */
    default Optional<String> failureReason() {
        return switch (this) {
            case Ok<T> ok -> Optional.empty();
            case Failed<T> f -> Optional.of(f.reason());
            case Warned<T> w -> Optional.of(w.reason());
            case Pending<T> p -> Optional.of(p.reason());
        };
    }

    /** Re-types a non-ok outcome, for passing a failure up to a caller with another value type. */
    @SuppressWarnings("unchecked")
    default <U> Outcome<U> castFailure() {
        if (this instanceof Ok) {
            throw new IllegalStateException("castFailure on an ok outcome");
        }
        return (Outcome<U>) this;
    }
}
