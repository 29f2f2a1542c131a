package dev.custody.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Topology;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The allow-list: addresses and groups, a group inside only when all its devices are, bad entries named. */
class AllowListTest {
    private static final Topology HOST = LiveHostTest.host();
    private static final DeviceId A = new DeviceId("0000:00:03.0");
    private static final DeviceId B = new DeviceId("0000:00:03.1");

    @Test
    void aDeviceByItsAddressShortOrLong() {
        AllowList allowed = AllowList.parse("00:03.0");
        assertEquals(Optional.empty(), allowed.refusal(HOST, new Command.DriverUnbind(A)));
        assertTrue(allowed.refusal(HOST, new Command.DriverUnbind(B)).isPresent());
    }

    @Test
    void aGroupIsInsideWhenEveryDeviceOfItIs() {
        assertTrue(
                AllowList.parse("0000:00:03.0")
                        .refusal(HOST, new Command.GroupOpen(new GroupId(1), "g"))
                        .isPresent(),
                "its sibling is outside");
        assertEquals(
                Optional.empty(),
                AllowList.parse("0000:00:03.0,0000:00:03.1").refusal(HOST, new Command.GroupOpen(new GroupId(1), "g")));
        assertEquals(Optional.empty(), AllowList.parse("group:1").refusal(HOST, new Command.DriverUnbind(B)));
    }

    @Test
    void aMalformedEntryIsNamed() {
        var bad = assertThrows(IllegalArgumentException.class, () -> AllowList.parse("0000:00:03.0,eth0"));
        assertTrue(bad.getMessage().contains("\"eth0\" is neither a PCI address"), bad.getMessage());
    }
}
