package dev.custody.ops;

import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A draw for tests of the catalogue itself: seeded choices, and objects named as a scenario names
 * them (a name, or a raw number such as fd -1), so a command can be written and read back without
 * a running kernel.
 */
public final class SymbolicDraw implements Draw {
    private final SplittableRandom random;
    private int labels;

    public SymbolicDraw(long seed) {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public int below(int bound) {
        return random.nextInt(bound);
    }

    @Override
    public DeviceId device() {
        return pick(List.of(new DeviceId("0000:00:03.0"), new DeviceId("0000:00:03.1"), new DeviceId("0000:00:04.0")));
    }

    @Override
    public GroupId group() {
        return new GroupId(1 + below(3));
    }

    @Override
    public String driver() {
        return pick(List.of("e1000e", "vfio-pci", "pci-stub"));
    }

    @Override
    public Handle handle(HandleKind kind) {
        return below(8) == 0
                ? new Handle.Number(below(2) == 0 ? -1 : 0)
                : new Handle.Unbound(kind.name().toLowerCase() + below(4));
    }

    @Override
    public String label() {
        return "made" + ++labels;
    }
}
