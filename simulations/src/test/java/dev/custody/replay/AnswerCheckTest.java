package dev.custody.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.entity.AnswerRecord;
import dev.custody.entity.CommandRecord;
import dev.custody.entity.CommandText;
import dev.custody.entity.HostRecord;
import dev.custody.invariants.Invariant;
import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Topology;
import dev.custody.model.event.GroupEvent;
import dev.custody.model.state.KernelState;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import dev.custody.sim.SimTopology;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Replay judges what the journal says was answered: a refusal the rules would not give, a refusal that
 * would have changed the machine, and a failed decision that moved a group's domain (G12) are each
 * reported; the answers the rules do give pass.
 */
class AnswerCheckTest {
    private static final Topology TOPOLOGY = SimTopology.generate(1, 3);
    private static final DeviceId NIC = new DeviceId("0000:00:01.0");

    private static RecordedDecision boot() {
        Decision boot = Kernel.boot(TOPOLOGY);
        return new RecordedDecision(
                1,
                "boot",
                boot.events(),
                Instant.EPOCH,
                Optional.of(new CommandRecord("custody", "boot", false, CommandText.BOOT)),
                Optional.of(AnswerRecord.of(boot.outcome())));
    }

    private static RecordedAnswer answered(Command<?> command, String result) {
        return new RecordedAnswer(
                1,
                CommandRecord.of("vm", "op", true, command),
                new AnswerRecord(result, result.equals("ok") ? "" : "recorded", ""),
                Instant.EPOCH);
    }

    private static List<StepViolation> judge(List<RecordedDecision> decisions, List<RecordedAnswer> answered) {
        JournalHistory history =
                new JournalHistory("t", TOPOLOGY, Instant.EPOCH, decisions, Set.of(), 0, answered, Optional.empty());
        AnswerCheck answers = new AnswerCheck(history);
        InvariantCheck invariants = new InvariantCheck();
        KernelState last = Replay.fold(history, Long.MAX_VALUE, List.of(answers, invariants));
        answers.finish(decisions.size(), last);
        List<StepViolation> all = new java.util.ArrayList<>(answers.violations());
        all.addAll(invariants.violations());
        return all;
    }

    private static RecordedAnswer answeredOnTheHost(Command<?> command, String model, HostRecord host) {
        return new RecordedAnswer(
                1,
                CommandRecord.of("vm", "op", true, command),
                new AnswerRecord(model, model.equals("ok") ? "" : "recorded", ""),
                Instant.EPOCH,
                Optional.of(host),
                false);
    }

    @Test
    void aCallTheKernelRefusedAfterTheModelAcceptedItIsDriftNotAViolation() {
        Command<?> unbind = new Command.DriverUnbind(NIC); // the rules unbind it, the kernel said EBUSY
        HostRecord kernel = new HostRecord(
                HostRecord.CARRIED_OUT, "unbind 0000:00:01.0", new AnswerRecord("EBUSY", "the kernel answered", ""));
        RecordedAnswer drifted = answeredOnTheHost(unbind, "ok", kernel);
        assertEquals(List.of(), judge(List.of(boot()), List.of(drifted)));
        assertEquals("EBUSY (drift: the model answered ok)", drifted.givenResult());
        assertTrue(drifted.givenReason().endsWith("carried-out: unbind 0000:00:01.0"), drifted.givenReason());
    }

    @Test
    void aModelAnswerTheRulesWouldNotGiveIsStillReportedOnALiveJournal() {
        Command<?> unbind = new Command.DriverUnbind(NIC);
        HostRecord kernel = new HostRecord(
                HostRecord.CARRIED_OUT, "unbind 0000:00:01.0", new AnswerRecord("EBUSY", "the kernel answered", ""));
        List<StepViolation> found = judge(List.of(boot()), List.of(answeredOnTheHost(unbind, "ENODEV", kernel)));
        assertEquals(1, found.size(), "the recorded model answer is checked against the rules: " + found);
    }

    @Test
    void aRefusalByTheAllowListIsNotTheRules() {
        Command<?> unbind = new Command.DriverUnbind(NIC);
        HostRecord outside = new HostRecord(
                HostRecord.OUTSIDE_ALLOW_LIST,
                "device 0000:00:01.0 outside the allow-list",
                new AnswerRecord("EACCES", "", ""));
        assertEquals(List.of(), judge(List.of(boot()), List.of(answeredOnTheHost(unbind, "EACCES", outside))));
    }

    @Test
    void aRefusalForWantOfACapabilityIsNotTheRules() {
        Command<?> unbind = new Command.DriverUnbind(NIC); // the rules would unbind it; the caller held no right to ask
        RecordedAnswer refused = new RecordedAnswer(
                1,
                CommandRecord.of("vm", "op", true, unbind),
                new AnswerRecord("EPERM", "not the owner", ""),
                Instant.EPOCH,
                Optional.empty(),
                true);
        assertEquals(List.of(), judge(List.of(boot()), List.of(refused)));
    }

    @Test
    void theRulesOwnRefusalPasses() {
        Command<?> openTooEarly = new Command.GroupOpen(new GroupId(1), "g1"); // no VFIO device in it yet
        assertEquals(List.of(), judge(List.of(boot()), List.of(answered(openTooEarly, "ENOENT"))));
    }

    @Test
    void aRefusalTheRulesWouldNotGiveIsReported() {
        Command<?> unbind = new Command.DriverUnbind(NIC); // bound at boot: the rules unbind it
        List<StepViolation> found = judge(List.of(boot()), List.of(answered(unbind, "EBUSY")));
        assertEquals(1, found.size(), found.toString());
        assertEquals(Invariant.G12, found.getFirst().violation().broken(), "a refusal that would change the machine");
    }

    @Test
    void aFailedDecisionThatMovedAGroupsDomainBreaksG12() {
        KernelState booted = Kernel.boot(TOPOLOGY).state();
        GroupId group = new GroupId(1);
        var blocking = booted.group(group).orElseThrow().blockingDomain();
        var moved = new GroupEvent.GroupDomainSet(
                group, blocking.orElse(new dev.custody.model.DomainId(booted.nextDomain() - 1)));
        RecordedDecision failed = new RecordedDecision(
                2,
                "claim",
                List.of(moved),
                Instant.EPOCH,
                Optional.empty(),
                Optional.of(new AnswerRecord("EPERM", "refused, yet the domain moved", "")));
        List<StepViolation> found = judge(List.of(boot(), failed), List.of());
        assertEquals(
                List.of(Invariant.G12),
                found.stream()
                        .map(v -> v.violation().broken())
                        .filter(i -> i == Invariant.G12)
                        .toList(),
                found.toString());
    }
}
