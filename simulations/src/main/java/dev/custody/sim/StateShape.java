package dev.custody.sim;

import dev.custody.model.Command;
import dev.custody.model.DeviceId;
import dev.custody.model.GroupId;
import dev.custody.model.Handle;
import dev.custody.model.state.DomainState;
import dev.custody.model.state.GroupState;
import dev.custody.model.state.IommufdObject;
import dev.custody.model.state.KernelState;
import dev.custody.model.state.OpenFile;
import java.lang.reflect.RecordComponent;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The abstract shape of the group a call is about, before the call: who owns it (the kernel, DMA-API
 * users, or the kind of exclusive owner), how many claims it holds (0, 1, 2, 3+) and which domain it is
 * on (its default, its blocking or another, with the domain's kind). Two hosts whose groups differ only
 * in numbers and names have the same shapes, so shapes count the situations a run reached, not objects.
 */
final class StateShape {
    /** A call that names no group (opening /dev/iommu, allocating an IOAS) or an object that has none. */
    static final String NONE = "none";

    private static final Map<Class<?>, RecordComponent[]> COMPONENTS = new ConcurrentHashMap<>();

    private StateShape() {}

    /** The shape of the first group the call's arguments lead to, in argument order. */
    static String of(KernelState state, Command<?> command) {
        return groupOf(state, command).map(g -> of(state, g)).orElse(NONE);
    }

    static String of(KernelState state, GroupState group) {
        String owner = group.owner()
                .map(o -> o.key().substring(0, Math.max(0, o.key().indexOf(':'))))
                .orElse(group.ownerCnt() > 0 ? "dma-api" : "kernel");
        int claims = group.ownerCnt();
        String domainRole = group.onDefaultDomain()
                ? "default"
                : group.blockingDomain().map(group.domain()::equals).orElse(false) ? "blocking" : "other";
        DomainState domain = state.domains().get(group.domain());
        String kind = domain == null ? "?" : domain.kind().sysfsName();
        return owner + "/" + (claims >= 3 ? "3+" : Integer.toString(claims)) + "/" + domainRole + ":" + kind;
    }

    static Optional<GroupState> groupOf(KernelState state, Command<?> command) {
        RecordComponent[] components = COMPONENTS.computeIfAbsent(command.getClass(), c -> c.getRecordComponents());
        for (RecordComponent component : components) {
            Object value;
            try {
                value = component.getAccessor().invoke(command);
            } catch (ReflectiveOperationException unreadable) {
                throw new IllegalStateException("cannot read " + component, unreadable);
            }
            Optional<GroupState> group = switch (value) {
                case DeviceId device -> deviceGroup(state, device);
                case GroupId id -> state.group(id);
                case Handle handle -> handleGroup(state, handle);
                case null, default -> Optional.empty();
            };
            if (group.isPresent()) {
                return group;
            }
        }
        return Optional.empty();
    }

    private static Optional<GroupState> deviceGroup(KernelState state, DeviceId device) {
        if (!state.devices().containsKey(device)) {
            return Optional.empty();
        }
        Optional<GroupState> joined = state.groupOf(device);
        return joined.isPresent() ? joined : state.spec(device).group().flatMap(state::group);
    }

    private static Optional<GroupState> handleGroup(KernelState state, Handle handle) {
        return switch (handle) {
            case Handle.File f -> state.file(f.id()).flatMap(file -> fileGroup(state, file));
            case Handle.Domain d -> firstOn(state, d.id());
            case Handle.IommufdObject o ->
                state.file(o.iommufd())
                        .filter(file -> file instanceof OpenFile.IommufdFile)
                        .map(file -> ((OpenFile.IommufdFile) file).objects().get(o.id()))
                        .flatMap(object -> switch (object) {
                            case IommufdObject.Device d -> deviceGroup(state, d.device());
                            case IommufdObject.Hwpt h -> firstOn(state, h.domain());
                            case null, default -> Optional.empty();
                        });
            default -> Optional.empty();
        };
    }

    private static Optional<GroupState> firstOn(KernelState state, dev.custody.model.DomainId domain) {
        if (!state.domains().containsKey(domain)) {
            return Optional.empty();
        }
        return state.groupsOn(domain).stream().findFirst();
    }

    private static Optional<GroupState> fileGroup(KernelState state, OpenFile file) {
        return switch (file) {
            case OpenFile.VfioGroupFile g -> g.group().flatMap(state::group);
            case OpenFile.VfioDeviceFile d -> deviceGroup(state, d.device());
            case OpenFile.CdevFile c -> deviceGroup(state, c.device());
            case OpenFile.VfioContainer c ->
                state.groupFilesIn(c.id()).stream()
                        .findFirst()
                        .flatMap(g -> g.group().flatMap(state::group));
            default -> Optional.empty();
        };
    }
}
