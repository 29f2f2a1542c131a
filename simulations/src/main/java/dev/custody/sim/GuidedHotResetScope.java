package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.FileId;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A VMM that sets out to reset a device below a PCI bridge through its cdev, as QEMU does when a guest
 * resets a passed-through function of a multi-function slot. The {@link GuidedHotReset} calls ask on
 * whatever device fds a role happens to hold, and a role seldom holds a bound cdev below the bridge
 * just when a rare call comes, so on some seeds the cdev form of the reset is never asked at all. This
 * role's rare call brings the state there step by step: an iommufd, a cdev of a device below the
 * bridge, its bind; then, half the time, a cdev of another device below the bridge bound to the same
 * iommufd, so the reset's scope holds devices that context owns by their own devid, devices it owns
 * through their group (another device of the group is bound to it) and devices it does not own. Once
 * a bound cdev below the bridge is there, it asks hot_reset_info and the reset, which then tell those
 * states apart (the answer's devids and DEV_ID_OWNED flag; the reset's EINVAL on an unowned device).
 *
 * <p>Unlike the other rare calls, its steps change ownership (an open, a bind): they are a VMM's own
 * setup, drawn seldom enough that a seed's other calls mostly stay as they were.
 */
final class GuidedHotResetScope {
    private GuidedHotResetScope() {}

    /** Its kind of call's name; the scheduler holds it back until the host has settled. */
    static final String OPERATION = "HotResetScope";

    /** Room for every device, as QEMU's first hot_reset_info asks. */
    private static final long ALL_DEVICES = Integer.MAX_VALUE;
    /** The cdevs the role keeps below the bridge at most: enough for three groups of the scope. */
    private static final int MAX_CDEVS_BELOW = 3;

    /** The iommufd VMM's rare call: the next step towards a reset of a device below the bridge. */
    static GuidedAction seek() {
        return GuidedAction.rare(OPERATION, GuidedHotResetScope::aimed, GuidedHotResetScope::refused);
    }

    private static Optional<Command<?>> aimed(Pick p) {
        List<OpenFile.CdevFile> bound = boundBelow(p);
        if (!bound.isEmpty() && p.random.nextBoolean()) {
            return p.one(bound).map(c -> ask(p, c));
        }
        Optional<Command<?>> step = context(p).or(() -> bind(p, bound)).or(() -> open(p));
        return step.isPresent() ? step : p.one(bound).map(c -> ask(p, c));
    }

    /** hot_reset_info with room for every device, or the reset in its iommufd form (no group fds). */
    private static Command<?> ask(Pick p, OpenFile.CdevFile cdev) {
        return p.random.nextBoolean()
                ? new Command.PciHotResetInfo(Pick.file(cdev), ALL_DEVICES)
                : new Command.PciHotReset(Pick.file(cdev), List.of(), 0);
    }

    /** An iommufd of the role's own, when it has none yet. */
    private static Optional<Command<?>> context(Pick p) {
        return p.mine(OpenFile.IommufdFile.class, f -> true).isEmpty()
                ? GuidedCast.some(new Command.IommufdOpen(p.label("x")))
                : Optional.empty();
    }

    /**
     * A bind of one of the role's unbound cdevs below the bridge, to the iommufd its bound cdevs below
     * the bridge already use when it can claim the group there, so the scope's devices gather in one
     * context.
     */
    private static Optional<Command<?>> bind(Pick p, List<OpenFile.CdevFile> bound) {
        List<FileId> used =
                bound.stream().map(c -> c.binding().orElseThrow().iommufd()).toList();
        List<Command<?>> together = new ArrayList<>();
        List<Command<?>> any = new ArrayList<>();
        for (OpenFile.CdevFile cdev :
                p.mine(OpenFile.CdevFile.class, c -> c.binding().isEmpty() && belowBridge(p, c.device()))) {
            for (OpenFile.IommufdFile ctx : p.mine(OpenFile.IommufdFile.class, f -> true)) {
                if (GuidedIommufdUser.claimable(p, cdev, ctx)) {
                    Command<?> bind = new Command.CdevBind(Pick.file(cdev), Pick.file(ctx));
                    any.add(bind);
                    if (used.contains(ctx.id())) {
                        together.add(bind);
                    }
                }
            }
        }
        return together.isEmpty() ? p.one(any) : p.one(together);
    }

    /** A cdev of a device below the bridge that the role holds none of, while it holds few there. */
    private static Optional<Command<?>> open(Pick p) {
        List<OpenFile.CdevFile> mine = p.mine(OpenFile.CdevFile.class, c -> belowBridge(p, c.device()));
        if (mine.size() >= MAX_CDEVS_BELOW) {
            return Optional.empty();
        }
        return p.device(d -> belowBridge(p, d.id())
                        && GuidedIommufdUser.openable(p, d)
                        && mine.stream().noneMatch(c -> c.device().equals(d.id())))
                .map(d -> new Command.CdevOpen(d, p.label("cdev")));
    }

    /**
     * Refused: the reset of a bound cdev below the bridge with a group fd (the iommufd form takes none)
     * or a flag, its hot_reset_info with room for one device, or either asked on an unbound cdev below
     * the bridge; the reset on an fd that is no device (a closed or foreign one) when there is none.
     */
    private static Optional<Command<?>> refused(Pick p) {
        Optional<OpenFile.CdevFile> bound = p.one(boundBelow(p));
        Optional<OpenFile.CdevFile> unbound =
                p.myFile(OpenFile.CdevFile.class, c -> c.binding().isEmpty() && belowBridge(p, c.device()));
        Optional<Command<?>> call = switch (p.random.nextInt(4)) {
            case 0 -> bound.map(c -> new Command.PciHotReset(Pick.file(c), List.of(p.wrongHandle()), 0));
            case 1 -> bound.map(c -> new Command.PciHotReset(Pick.file(c), List.of(), 1));
            case 2 -> bound.map(c -> new Command.PciHotResetInfo(Pick.file(c), 1));
            default ->
                unbound.map(c -> p.random.nextBoolean()
                        ? new Command.PciHotResetInfo(Pick.file(c), ALL_DEVICES)
                        : new Command.PciHotReset(Pick.file(c), List.of(), 0));
        };
        return call.isPresent() ? call : GuidedCast.some(new Command.PciHotReset(p.wrongHandle(), List.of(), 0));
    }

    private static List<OpenFile.CdevFile> boundBelow(Pick p) {
        return p.mine(OpenFile.CdevFile.class, c -> c.binding().isPresent() && belowBridge(p, c.device()));
    }

    private static boolean belowBridge(Pick p, DeviceId device) {
        return p.state.spec(device).upstreamBridge().isPresent();
    }
}
