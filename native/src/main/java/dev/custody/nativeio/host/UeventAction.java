package dev.custody.nativeio.host;

import java.util.Locale;
import java.util.Optional;

/** The kernel's kobject actions (lib/kobject_uevent.c, kobject_actions), as a uevent names them. */
public enum UeventAction {
    ADD,
    REMOVE,
    CHANGE,
    MOVE,
    ONLINE,
    OFFLINE,
    BIND,
    UNBIND;

    /** The word the kernel writes: {@code add}, {@code unbind}, ... */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<UeventAction> ofWord(String word) {
        for (UeventAction action : values()) {
            if (action.word().equals(word)) return Optional.of(action);
        }
        return Optional.empty();
    }
}
