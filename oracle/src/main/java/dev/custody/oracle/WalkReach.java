package dev.custody.oracle;

import dev.custody.model.ObjectId;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The states of the model a walk passed through that its machine shapes are there to reach. */
final class WalkReach {
    enum Reached {
        /** Two groups attached to one VFIO container. */
        GROUPS_SHARE_A_CONTAINER,
        /** Two devices of one iommufd attached to page tables of the same IOAS. */
        DEVICES_SHARE_AN_IOAS
    }

    private final Set<Reached> reached = EnumSet.noneOf(Reached.class);

    void observe(KernelState state) {
        if (state.filesOf(OpenFile.VfioContainer.class)
                .anyMatch(c -> c.fdOpen() && state.groupFilesIn(c.id()).size() >= 2)) {
            reached.add(Reached.GROUPS_SHARE_A_CONTAINER);
        }
        if (state.filesOf(OpenFile.IommufdFile.class).anyMatch(WalkReach::devicesShareAnIoas)) {
            reached.add(Reached.DEVICES_SHARE_AN_IOAS);
        }
    }

    Set<Reached> reached() {
        return reached;
    }

    private static boolean devicesShareAnIoas(OpenFile.IommufdFile ctx) {
        Map<ObjectId, Long> devicesPerIoas = ctx.objects().values().stream()
                .filter(o -> o instanceof IommufdObject.Device)
                .map(o -> ((IommufdObject.Device) o).hwpt())
                .flatMap(Optional::stream)
                .map(ctx.objects()::get)
                .filter(o -> o instanceof IommufdObject.Hwpt)
                .collect(Collectors.groupingBy(o -> ((IommufdObject.Hwpt) o).ioas(), Collectors.counting()));
        return devicesPerIoas.values().stream().anyMatch(n -> n >= 2);
    }
}
