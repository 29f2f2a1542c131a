package dev.custody.api;

import dev.custody.entity.EntityId;
import dev.custody.entity.EntityState;
import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.DriverName;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.state.KernelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Compares what every device, group, domain and file actor holds in its own journal with what the
 * engine's decisions made of it: after a restart, the proof that no entity lost a write the engine
 * answered for.
 */
public final class EntityAudit {
    private EntityAudit() {}

    /** One entity whose own state differs from the expected state. */
    public record Difference(EntityId entity, Optional<Object> expected, Optional<Object> actual) {
        @Override
        public String toString() {
            return entity.kind() + " " + entity.key() + ": its journal holds "
                    + actual.map(Object::toString).orElse("nothing") + " but the decisions made it "
                    + expected.map(Object::toString).orElse("nothing");
        }
    }

    /** Every entity the state has ever named, asked for its own state; at most {@code limit} differences. */
    public static List<Difference> compare(EngineAdmin engine, KernelState expected, int limit) {
        List<Difference> found = new ArrayList<>();
        for (EntityId entity : entities(expected)) {
            EntityState own = engine.inspect(entity).toCompletableFuture().join();
            Optional<Object> wanted = project(expected, entity);
            Optional<Object> actual = project(own.slice(), entity);
            if (!wanted.equals(actual)) {
                found.add(new Difference(entity, wanted, actual));
                if (found.size() >= limit) {
                    break;
                }
            }
        }
        return found;
    }

    private static List<EntityId> entities(KernelState state) {
        List<EntityId> entities = new ArrayList<>();
        state.topology().devices().keySet().forEach(d -> entities.add(EntityId.of(d)));
        new TreeSet<>(state.topology().devices().values().stream()
                        .flatMap(d -> d.group().stream())
                        .toList())
                .forEach(g -> entities.add(EntityId.of(g)));
        for (int domain = 1; domain < state.nextDomain(); domain++) {
            entities.add(EntityId.of(new DomainId(domain)));
        }
        for (int file = 3; file < state.nextFile(); file++) {
            entities.add(EntityId.of(new FileId(file)));
        }
        state.dynamicIds().keySet().forEach(d -> entities.add(EntityId.of(d)));
        return entities;
    }

    /** The entity's own object in a state (the whole engine's, or the entity's slice). */
    private static Optional<Object> project(KernelState state, EntityId entity) {
        return Optional.ofNullable(
                switch (entity.kind()) {
                    case DEVICE -> state.devices().get(new DeviceId(entity.key()));
                    case GROUP -> state.groups().get(new GroupId(Integer.parseInt(entity.key())));
                    case DOMAIN -> state.domains().get(new DomainId(Integer.parseInt(entity.key())));
                    case FILE -> state.files().get(new FileId(Integer.parseInt(entity.key())));
                    case DRIVER -> state.dynamicIds().get(new DriverName(entity.key()));
                });
    }
}
