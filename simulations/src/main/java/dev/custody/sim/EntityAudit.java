package dev.custody.sim;

import dev.custody.api.Custody;
import dev.custody.entity.EntityId;
import dev.custody.entity.EntityState;
import dev.custody.invariants.Violation;
import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.state.KernelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * After a restart, every device, group, domain and file actor's own journaled state must equal what
 * the acknowledged decisions made of it: the proof that no entity lost a write the engine answered for.
 */
final class EntityAudit {
    private EntityAudit() {}

    static List<Violation> compare(Custody engine, KernelState expected) {
        List<Violation> found = new ArrayList<>();
        for (EntityId entity : entities(expected)) {
            EntityState own = engine.inspect(entity).toCompletableFuture().join();
            Optional<Object> wanted = project(expected, entity);
            Optional<Object> actual = project(own.slice(), entity);
            if (!wanted.equals(actual)) {
                found.add(new Violation("J4", Violation.Kind.KERNEL, List.of(entity.kind() + " " + entity.key()),
                        "after a restart the entity's journal holds " + actual.map(Object::toString).orElse("nothing")
                                + " but the acknowledged decisions made it " + wanted.map(Object::toString).orElse("nothing")));
                if (found.size() >= 5) {
                    break;
                }
            }
        }
        return found;
    }

    private static List<EntityId> entities(KernelState state) {
        List<EntityId> entities = new ArrayList<>();
        state.topology().devices().keySet().forEach(d -> entities.add(EntityId.of(d)));
        new TreeSet<>(state.topology().devices().values().stream().flatMap(d -> d.group().stream()).toList())
                .forEach(g -> entities.add(EntityId.of(g)));
        for (int domain = 1; domain < state.nextDomain(); domain++) {
            entities.add(EntityId.of(new DomainId(domain)));
        }
        for (int file = 3; file < state.nextFile(); file++) {
            entities.add(EntityId.of(new FileId(file)));
        }
        return entities;
    }

    private static Optional<Object> project(KernelState state, EntityId entity) {
        Object object = switch (entity.kind()) {
            case DEVICE -> state.devices().get(new DeviceId(entity.key()));
            case GROUP -> state.groups().get(new GroupId(Integer.parseInt(entity.key())));
            case DOMAIN -> state.domains().get(new DomainId(Integer.parseInt(entity.key())));
            case FILE -> state.files().get(new FileId(Integer.parseInt(entity.key())));
        };
        return Optional.ofNullable(object).map(Objects::requireNonNull);
    }
}
