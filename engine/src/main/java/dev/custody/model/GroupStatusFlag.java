package dev.custody.model;

/** The flags VFIO_GROUP_GET_STATUS reports, in the order the scenario format lists them. */
public enum GroupStatusFlag {
    VIABLE,
    CONTAINER_SET
}
