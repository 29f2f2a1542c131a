package dev.custody.ops;

import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import java.util.List;

/**
 * What an operation's generator draws its arguments from: a seeded source of choices, the machine's
 * devices and groups, the objects earlier calls created, and fresh labels. Random walks and the
 * simulator implement it; the catalogue says, per operation, what a plausible call looks like.
 */
public interface Draw {
    /** A number in {@code [0, bound)}. */
    int below(int bound);

    default boolean coin() {
        return below(2) == 0;
    }

    default <T> T pick(List<T> from) {
        return from.get(below(from.size()));
    }

    DeviceId device();

    GroupId group();

    /** A driver to bind: one a device matches, vfio-pci or pci-stub. */
    String driver();

    /** An object of the kind created earlier (sometimes of another kind, to reach the wrong-kind errnos). */
    Handle handle(HandleKind kind);

    /** A name for what the call creates. */
    String label();
}
