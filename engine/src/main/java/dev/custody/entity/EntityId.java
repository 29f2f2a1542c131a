package dev.custody.entity;

import dev.custody.model.DeviceId;
import dev.custody.model.DomainId;
import dev.custody.model.DriverName;
import dev.custody.model.FileId;
import dev.custody.model.GroupId;
import dev.custody.model.SubjectId;

/** One kernel object that is its own journaled actor; its persistence id is {@code kind|key}. */
public record EntityId(Kind kind, String key) implements Comparable<EntityId> {

    public enum Kind {
        DEVICE,
        GROUP,
        DOMAIN,
        FILE,
        DRIVER
    }

    /** The entity that journals the events about {@code subject}. */
    public static EntityId of(SubjectId subject) {
        return switch (subject) {
            case DeviceId device -> of(device);
            case GroupId group -> of(group);
            case DomainId domain -> of(domain);
            case FileId file -> of(file);
            case DriverName driver -> of(driver);
        };
    }

    public static EntityId of(DriverName driver) {
        return new EntityId(Kind.DRIVER, driver.name());
    }

    public static EntityId of(DeviceId id) {
        return new EntityId(Kind.DEVICE, id.name());
    }

    public static EntityId of(GroupId id) {
        return new EntityId(Kind.GROUP, Integer.toString(id.number()));
    }

    public static EntityId of(DomainId id) {
        return new EntityId(Kind.DOMAIN, Integer.toString(id.number()));
    }

    public static EntityId of(FileId id) {
        return new EntityId(Kind.FILE, Integer.toString(id.number()));
    }

    /** The persistence id under an engine instance, so several engines can share one journal. */
    public String persistenceId(String instance) {
        return instance + "|" + kind.name().toLowerCase() + "|" + key;
    }

    /** An actor name: persistence ids contain characters actor names do not allow. */
    public String actorName() {
        return kind.name().toLowerCase() + "-"
                + java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public int compareTo(EntityId other) {
        int byKind = kind.compareTo(other.kind);
        return byKind != 0 ? byKind : key.compareTo(other.key);
    }
}
