package dev.custody.ops;

import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import java.util.List;

/**
 * What the oracle's guest agent needs to perform one step: where each scenario device sits in the
 * virtual machine, which guest driver plays a scenario driver, and the tokens that name the step's
 * objects. Each operation's agent encoding turns its command into one line of the agent's script
 * with these; the oracle implements it for one scenario and one machine layout.
 */
public interface AgentContext {
    /** The guest PCI address of a scenario device. */
    String address(DeviceId device) throws NotRealisable;

    /** The sysfs rescan file that brings a removed device back. */
    String rescanPath(DeviceId device) throws NotRealisable;

    /** One guest address through which the group is reached (a present member first). */
    String groupAddress(GroupId group) throws NotRealisable;

    /** Every member's guest address, in the order of their scenario names. */
    List<String> groupAddresses(GroupId group) throws NotRealisable;

    /** The guest driver that plays {@code driver} for {@code device}. */
    String guestDriver(DeviceId device, String driver) throws NotRealisable;

    /** Whether binding {@code driver} to {@code device} needs a driver_override first (drivers that match no ids). */
    boolean bindsThroughOverride(DeviceId device, String driver);

    /** The agent's token for an object a step refers to. */
    String name(Handle handle) throws NotRealisable;

    /** The agent's token for an object this step creates. */
    String created(String label) throws NotRealisable;

    /** The token for an object this step creates without naming it. */
    String unnamed();

    /** The agent's token for free text (a sysfs value). */
    String token(String field, String text) throws NotRealisable;

    /** Records that the object named {@code label} was allocated from {@code iommufd} (its ioctls need that fd). */
    void allocatedFrom(String label, Handle iommufd) throws NotRealisable;

    /** The iommufd an IOAS or HWPT was allocated from; a name never allocated gets one never opened (EBADF). */
    String iommufdOf(Handle object) throws NotRealisable;

    /**
     * The agent's line that writes {@code id} to a driver's {@code new_id} or {@code remove_id} file.
     * Not realisable by default: a machine's drivers and devices may carry other names and PCI ids than
     * the scenario's; a context that can tell they are the same (the oracle's guest) overrides it.
     */
    default String dynamicIdWrite(String driver, String file, String id) throws NotRealisable {
        throw new NotRealisable(
                file + " of " + driver + ": dynamic ids are not mapped onto this machine's drivers" + " and devices");
    }

    /** A number as the agent reads it: unsigned hexadecimal. */
    static String hex(long value) {
        return "0x" + Long.toUnsignedString(value, 16);
    }
}
