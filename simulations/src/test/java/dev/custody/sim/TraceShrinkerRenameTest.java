package dev.custody.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.Handle;
import dev.custody.model.ObjectId;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The replay of a shrunk trace renames what a call's answer created to what the replay's same call
 * created, and keeps every other name: objects no answer names are made again under the same name.
 */
class TraceShrinkerRenameTest {

    private static final Handle CTX = new Handle.File(new FileId(24));
    private static final Handle REPLAYED_CTX = new Handle.File(new FileId(30));

    @Test
    void aNameAnAnswerGaveIsRenamedToTheReplaysAnswer() {
        Command<?> renamed = TraceShrinker.rename(new Command.IoasAlloc(CTX, "vmm1-ioas"), Map.of(CTX, REPLAYED_CTX));
        assertEquals(new Command.IoasAlloc(REPLAYED_CTX, "vmm1-ioas"), renamed);
    }

    @Test
    void aNameNoAnswerGaveIsKept() {
        // a cdev bind's device object and a group's default domain are named by no call's answer
        Handle deviceObject = new Handle.IommufdObject(new FileId(24), new ObjectId(1));
        Handle ioas = new Handle.IommufdObject(new FileId(24), new ObjectId(2));
        Command.HwptAlloc alloc = new Command.HwptAlloc(CTX, deviceObject, ioas, "vmm1-hwpt");
        assertEquals(
                new Command.HwptAlloc(REPLAYED_CTX, deviceObject, ioas, "vmm1-hwpt"),
                TraceShrinker.rename(alloc, Map.of(CTX, REPLAYED_CTX)));
        Command.AttachShared shared =
                new Command.AttachShared(new Handle.Domain(new DomainId(7)), new DeviceId("0000:00:01.0"));
        assertEquals(shared, TraceShrinker.rename(shared, Map.of()));
        Command.ReplaceDomain replace = new Command.ReplaceDomain(
                new dev.custody.model.GroupId(3), Optional.of(new Handle.Domain(new DomainId(9))));
        assertEquals(replace, TraceShrinker.rename(replace, Map.of()));
    }
}
