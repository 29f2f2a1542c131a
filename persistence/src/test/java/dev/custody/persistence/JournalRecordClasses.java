package dev.custody.persistence;

import dev.custody.entity.CoordinatorSnapshot;
import dev.custody.entity.CoordinatorState;
import dev.custody.entity.EntityState;
import dev.custody.entity.JournalRecord;
import dev.custody.entity.KernelJournal;
import dev.custody.entity.Stamped;
import java.util.ArrayList;
import java.util.List;

/**
 * The concrete JournalRecord classes. JournalRecord is not sealed, so they are listed; the sealed
 * KernelJournal is expanded from its permitted subclasses so a new journal record cannot be missed.
 */
final class JournalRecordClasses {
    private JournalRecordClasses() {}

    static List<Class<?>> all() {
        List<Class<?>> all = new ArrayList<>(List.of(KernelJournal.class.getPermittedSubclasses()));
        all.addAll(List.of(Stamped.class, CoordinatorState.class, CoordinatorSnapshot.class, EntityState.class));
        all.forEach(type -> {
            if (!JournalRecord.class.isAssignableFrom(type)) {
                throw new IllegalStateException(type + " is not a JournalRecord");
            }
        });
        return all;
    }
}
