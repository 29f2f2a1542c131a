package dev.custody.model.event;

import dev.custody.model.DriverName;
import dev.custody.model.DynamicId;

/** A fact about one driver's own state: its dynamic ids (struct pci_driver's dynids list). */
public sealed interface DriverEvent extends KernelEvent {

    DriverName driver();

    @Override
    default DriverName subject() {
        return driver();
    }

    /** new_id_store -> pci_add_dynid: the id goes to the end of the driver's list. */
    record DynamicIdAdded(DriverName driver, DynamicId id) implements DriverEvent {}

    /** remove_id_store: the first id with the same six fields leaves the list. */
    record DynamicIdRemoved(DriverName driver, DynamicId id) implements DriverEvent {}
}
