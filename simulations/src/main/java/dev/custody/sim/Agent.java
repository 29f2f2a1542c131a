package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.Outcome;
import dev.custody.model.Reply;

/**
 * One client racing the others: a driver-core admin, a VFIO user (QEMU), an iommufd user, an
 * in-kernel shared-domain user, a DMA prober. Each knows only what its own calls returned.
 */
public interface Agent {
    String name();

    /** The agent's next call; it may depend on the answers to its earlier calls. */
    Command<?> next();

    /** The answer to the call {@link #next} returned. */
    void observe(Command<?> command, Outcome<Reply> outcome);
}
