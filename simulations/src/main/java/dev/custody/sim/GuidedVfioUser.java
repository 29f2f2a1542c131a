package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.IommuType;
import dev.custody.model.state.OpenFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The guided cast's QEMU on the VFIO group and container path. */
final class GuidedVfioUser {
    private GuidedVfioUser() {}

    // ---- a QEMU on the VFIO group/container path ----

    static List<GuidedAction> actions() {
        List<GuidedAction> actions = new ArrayList<>(GuidedCast.takeForVfio());
        actions.add(new GuidedAction(
                "ContainerOpen",
                p -> p.mine(OpenFile.VfioContainer.class, c -> true).size() < 2
                        ? GuidedCast.some(new Command.ContainerOpen(p.label("c")))
                        : Optional.empty(),
                p -> Optional.empty()));
        actions.add(GuidedCast.groupOpen());
        actions.add(new GuidedAction(
                "SetContainer",
                GuidedNarrowJoin::setContainer,
                p -> p.myFile(OpenFile.VfioGroupFile.class, g -> true)
                        .map(g -> new Command.SetContainer(Pick.file(g), p.wrongHandle()))));
        actions.add(new GuidedAction(
                "UnsetContainer",
                p -> p.myFile(OpenFile.VfioGroupFile.class, OpenFile.VfioGroupFile::hasContainerOrIommufd)
                        .map(g -> new Command.UnsetContainer(Pick.file(g))),
                p -> p.myFile(OpenFile.VfioGroupFile.class, g -> !g.hasContainerOrIommufd())
                        .map(g -> new Command.UnsetContainer(Pick.file(g)))));
        actions.add(new GuidedAction(
                "ContainerSetIommu",
                p -> p.myFile(
                                OpenFile.VfioContainer.class,
                                c -> c.iommu().isEmpty()
                                        && !p.state.groupFilesIn(c.id()).isEmpty())
                        .map(c -> new Command.ContainerSetIommu(
                                Pick.file(c), p.random.nextInt(4) == 0 ? IommuType.TYPE1 : IommuType.TYPE1V2)),
                p -> p.myFile(OpenFile.VfioContainer.class, c -> true)
                        .map(c -> new Command.ContainerSetIommu(
                                Pick.file(c), p.random.nextBoolean() ? IommuType.SPAPR_TCE : IommuType.TYPE1V2))));
        actions.add(new GuidedAction(
                "ContainerCheckExtension",
                p -> p.myFile(OpenFile.VfioContainer.class, c -> true)
                        .map(c -> new Command.ContainerCheckExtension(
                                Pick.file(c), IommuType.values()[p.random.nextInt(IommuType.values().length)])),
                p -> GuidedCast.some(new Command.ContainerCheckExtension(p.wrongHandle(), IommuType.TYPE1V2))));
        actions.add(new GuidedAction(
                "GroupStatus",
                p -> p.myFile(OpenFile.VfioGroupFile.class, g -> true).map(g -> new Command.GroupStatus(Pick.file(g))),
                p -> GuidedCast.some(new Command.GroupStatus(p.wrongHandle()))));
        actions.add(GuidedCast.deviceFd());
        actions.add(GuidedType1.map());
        actions.add(GuidedType1.unmap());
        actions.add(GuidedHotReset.info());
        actions.add(GuidedHotReset.reset());
        actions.add(GuidedCast.close());
        return actions;
    }
}
