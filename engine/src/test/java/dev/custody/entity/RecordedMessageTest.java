package dev.custody.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.model.ObjectId;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import dev.custody.rules.Decision;
import dev.custody.rules.Kernel;
import dev.custody.rules.ModelRandomWalkTest;
import dev.custody.rules.RandomWalk;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The journal records every command and answer as text: it must read back as the same command and
 * the same answer (a retry is answered with what is read back, replay decides the command again).
 */
class RecordedMessageTest {

    @Test
    void everyCommandAndAnswerOfAWalkReadsBackAsItWas() {
        Topology topology = ModelRandomWalkTest.topology();
        KernelState state = Kernel.boot(topology).state();
        Set<String> operations = new HashSet<>();
        Set<String> results = new HashSet<>();
        for (Command<?> command : new RandomWalk(topology, true).commands(11, 4000)) {
            String text = CommandText.write(command);
            assertEquals(command, CommandText.read(text), text);
            Decision decision = Operations.decide(state, command);
            AnswerRecord answer = AnswerRecord.of(decision.outcome());
            assertEquals(decision.outcome(), answer.outcome(), answer.toString());
            operations.add(Operations.of(command).name());
            results.add(answer.result());
            state = decision.state();
        }
        assertTrue(operations.size() > 30, "the walk covered " + operations);
        assertTrue(results.contains("ok") && results.contains("EINVAL"), results.toString());
    }

    @Test
    void objectsAreNamedByTokensThatKeepTheirKind() {
        Command<?> close = new Command.Close(new Handle.File(new FileId(7)));
        assertEquals("{\"op\":\"vfio.container.close\",\"fd\":\"fd:7\"}", CommandText.write(close));
        Command<?> destroy = new Command.Destroy(
                new Handle.File(new FileId(5)), new Handle.IommufdObject(new FileId(5), new ObjectId(2)));
        assertEquals(destroy, CommandText.read(CommandText.write(destroy)));
        Command<?> stale = new Command.Close(new Handle.Unbound("g1"));
        assertEquals(stale, CommandText.read(CommandText.write(stale)), "a name that never bound stays unbound");
        Command<?> raw = new Command.Close(new Handle.Number(-1));
        assertEquals(raw, CommandText.read(CommandText.write(raw)));
    }

    @Test
    void everyReplyKindReadsBackAsItWas() {
        for (Reply reply : List.<Reply>of(
                Reply.NONE,
                new Reply.Created(new Handle.IommufdObject(new FileId(5), new ObjectId(3))),
                new Reply.Probed(java.util.Optional.of("vfio-pci")),
                new Reply.Probed(java.util.Optional.empty()),
                new Reply.GroupStatus(List.of(dev.custody.model.GroupStatusFlag.VIABLE)),
                new Reply.Bound(4),
                new Reply.Attached(new Handle.IommufdObject(new FileId(5), new ObjectId(9)), "hwpt-a", true),
                new Reply.Amount("unmapped", -4096),
                new Reply.IovaRanges(List.of(new dev.custody.model.IovaSpan(0, -1L)), 4096),
                new Reply.GroupView(
                        new dev.custody.model.GroupId(3),
                        2,
                        java.util.Optional.of("vm1"),
                        java.util.Optional.empty(),
                        java.util.Optional.of("DMA"),
                        List.of(new Reply.DeviceDriver("0000:00:03.0", java.util.Optional.empty()))))) {
            AnswerRecord answer = AnswerRecord.of(Outcome.ok(reply));
            assertEquals(Outcome.ok(reply), answer.outcome(), answer.value());
        }
    }

    @Test
    void aDamagedRecordIsRefusedWithWhatCouldNotBeRead() {
        IllegalArgumentException bad =
                assertThrows(IllegalArgumentException.class, () -> CommandText.read("{\"op\":\"no.such.op\"}"));
        assertTrue(bad.getMessage().contains("no.such.op"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CommandText.read("not json"));
        assertThrows(IllegalArgumentException.class, () -> ReplyText.read("{\"what\":1}"));
    }

    @Test
    void theDigestTellsAnotherCommandFromARetry() {
        CommandRecord first = CommandRecord.of("vm1", "op-1", true, new Command.Close(new Handle.File(new FileId(7))));
        CommandRecord retry = CommandRecord.of("vm1", "op-1", true, new Command.Close(new Handle.File(new FileId(7))));
        CommandRecord other = CommandRecord.of("vm1", "op-1", true, new Command.Close(new Handle.File(new FileId(8))));
        assertEquals(first.digest(), retry.digest());
        assertNotEquals(first.digest(), other.digest());
    }
}
