package dev.custody.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.custody.model.DeviceId;
import java.math.BigInteger;
import java.util.Optional;

/**
 * What the oracle's guest agent printed for one step that succeeded ({@code name=value} words),
 * with the oracle's help to turn guest names back into the scenario's. Each operation's agent value
 * reads its step's value from it, so the kernel's answers print as the engine's do.
 */
public interface AgentReply {
    /** The word the agent printed as {@code name=...}. */
    Optional<String> text(String name);

    /** A number the agent printed in decimal (0 when it printed none). */
    default BigInteger number(String name) {
        return new BigInteger(text(name).orElse("0"));
    }

    /** The scenario's driver for the guest driver bound to {@code device} ("none": no driver). */
    Optional<String> scenarioDriver(DeviceId device, String guestDriver);

    /** The scenario's name for an object id the agent printed; one the scenario never named is an automatic HWPT. */
    String objectName(String id);

    /** The group's devices with their drivers, as the agent listed them, in scenario names sorted by device. */
    ArrayNode devices();
}
