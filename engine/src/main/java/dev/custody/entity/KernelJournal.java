package dev.custody.entity;

import dev.custody.model.Topology;
import dev.custody.model.event.KernelEvent;
import java.util.List;
import java.util.Optional;

/**
 * The coordinator's journal, the engine's source of truth: which format and which build wrote it
 * ({@link Header}), the machine it governs, then every command it answered, in the order it decided
 * them. A command that changed the machine is a numbered decision ({@link Decided}) with its events;
 * one that did not (a refusal, a query) is {@link Answered}. The entities' journals follow from the
 * decisions; {@link AppliedThrough} says how far they have, and every decision after it is delivered
 * again on recovery.
 *
 * <p>Journals written before every message was recorded hold {@link DecisionTaken} and {@link
 * DecisionApplied} instead; they are read as they are and never written any more.
 */
public sealed interface KernelJournal extends JournalRecord {

    /**
     * The first record of a journal begun since records are versioned ({@link JournalFormat}): the format
     * version and the Custody version that wrote it. A journal whose format is newer than the reading
     * build's is refused. Journals begun before have none (format 0).
     */
    record Header(int formatVersion, String writtenBy) implements KernelJournal {}

    /** The first record of an engine: the topology all later events refer to. */
    record Started(Topology topology) implements KernelJournal {}

    /** A decision of an older journal: its events, without the command or the answer. {@code seq} counts from 1. */
    record DecisionTaken(long seq, String operationId, List<KernelEvent> events) implements KernelJournal {
        public DecisionTaken {
            events = List.copyOf(events);
        }
    }

    /** An older journal's mark: every entity has persisted its events of decision {@code seq}. */
    record DecisionApplied(long seq) implements KernelJournal {}

    /**
     * Decision {@code seq} (counted from 1, the boot): the command, its answer and the events the rules
     * decided for it. The caller was answered once this record was on stable storage. In live host mode
     * {@code host} says what was carried out and what the kernel answered ({@link HostRecord}).
     */
    record Decided(
            long seq, CommandRecord command, AnswerRecord answer, List<KernelEvent> events, Optional<HostRecord> host)
            implements KernelJournal {
        public Decided {
            events = List.copyOf(events);
        }

        /** A decision of an engine that carries nothing out on a host. */
        public Decided(long seq, CommandRecord command, AnswerRecord answer, List<KernelEvent> events) {
            this(seq, command, answer, events, Optional.empty());
        }

        /** The answer the caller was given: the kernel's in live host mode, else the model's. */
        public AnswerRecord given() {
            return host.map(HostRecord::kernel).orElse(answer);
        }

        /** The decision as the entities and listeners get it. */
        public DecisionTaken taken() {
            return new DecisionTaken(seq, command.operationId(), events);
        }
    }

    /**
     * A command that changed nothing (refused, or a query, or in live host mode one the kernel refused
     * although the model had not), decided against the machine as decision {@code afterSeq} left it;
     * answered once this record was on stable storage. {@code unauthorized}: refused EPERM before the
     * rules were asked, because the caller did not hold the capability the command needs ({@link
     * Precondition}); recorded so that an audit of the journal sees every attempt, and not a decision a
     * replay can take again.
     */
    record Answered(
            long afterSeq, CommandRecord command, AnswerRecord answer, Optional<HostRecord> host, boolean unauthorized)
            implements KernelJournal {

        /** A command of an engine that carries nothing out on a host. */
        public Answered(long afterSeq, CommandRecord command, AnswerRecord answer) {
            this(afterSeq, command, answer, Optional.empty(), false);
        }

        /** A command the rules (or the host's allow-list) answered. */
        public Answered(long afterSeq, CommandRecord command, AnswerRecord answer, Optional<HostRecord> host) {
            this(afterSeq, command, answer, host, false);
        }

        /** A command refused for want of a capability, before the rules were asked. */
        public static Answered unauthorized(long afterSeq, CommandRecord command, AnswerRecord answer) {
            return new Answered(afterSeq, command, answer, Optional.empty(), true);
        }

        /** The answer the caller was given: the kernel's in live host mode, else the model's. */
        public AnswerRecord given() {
            return host.map(HostRecord::kernel).orElse(answer);
        }

        /** The rules answered it: neither a missing capability nor the host's allow-list refused it first. */
        public boolean decidedByRules() {
            return decidedByRules(unauthorized, host);
        }

        /** {@link #decidedByRules()} of an answer recorded with these marks (replay reads them off the record). */
        public static boolean decidedByRules(boolean unauthorized, Optional<HostRecord> host) {
            return !unauthorized && host.map(HostRecord::decidedByRules).orElse(true);
        }
    }

    /** Every entity has persisted its events of every decision up to {@code seq}. Written lazily, never awaited. */
    record AppliedThrough(long seq) implements KernelJournal {}
}
