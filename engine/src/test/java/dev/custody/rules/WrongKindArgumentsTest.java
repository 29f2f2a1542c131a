package dev.custody.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.DeviceSpec;
import dev.custody.model.DriverSpec;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.IommuSpec;
import dev.custody.model.ObjectId;
import dev.custody.model.Reply;
import dev.custody.model.Topology;
import dev.custody.model.state.KernelState;
import dev.custody.ops.Operations;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.SequencedMap;
import org.junit.jupiter.api.Test;

/**
 * Arguments of the wrong kind are answered with the kernel's errno, never an exception: the guided
 * simulation found a bind of an unknown driver and an IOAS query on a container fd that threw.
 */
class WrongKindArgumentsTest {
    private static final DeviceId NIC = new DeviceId("0000:00:03.0");

    private static KernelState booted() {
        SequencedMap<String, IommuSpec> iommus = new LinkedHashMap<>();
        iommus.put("dmar0", new IommuSpec("dmar0", IommuSpec.DEFAULT_PAGE_SIZES, 48));
        SequencedMap<DeviceId, DeviceSpec> devices = new LinkedHashMap<>();
        devices.put(
                NIC,
                new DeviceSpec(
                        NIC,
                        Optional.of("dmar0"),
                        Optional.of(new GroupId(1)),
                        List.of(),
                        false,
                        true,
                        Optional.empty()));
        return Kernel.boot(new Topology(iommus, Topology.catalogueWith(List.<DriverSpec>of()), devices))
                .state();
    }

    private static String result(KernelState state, Command<?> command) {
        return Operations.decide(state, command).outcome().resultName();
    }

    @Test
    void bindingADriverNoOneRegisteredFindsNoBindFile() {
        Decision bind = Operations.decide(booted(), new Command.DriverBind(NIC, "no-such-driver"));
        assertEquals("ENOENT", bind.outcome().resultName(), bind.outcome().toString());
        assertEquals(List.of(), bind.events(), "nothing changes");
    }

    @Test
    void anIoasCommandOnAFileThatIsNoIommufdIsNotAnIoctlItKnows() {
        Decision opened = Operations.decide(booted(), new Command.ContainerOpen("c"));
        KernelState state = opened.state();
        FileId container = ((Handle.File)
                        ((Reply.Created) ((dev.custody.model.Outcome.Ok<?>) opened.outcome()).value()).handle())
                .id();
        Handle notAnIoas = new Handle.IommufdObject(container, new ObjectId(1));
        assertEquals("ENOTTY", result(state, new Command.IoasIovaRanges(notAnIoas, 4)));
        assertEquals("ENOTTY", result(state, new Command.IoasUnmap(notAnIoas, 0, 0x1000)));
    }
}
