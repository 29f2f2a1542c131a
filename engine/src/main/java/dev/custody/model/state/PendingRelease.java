package dev.custody.model.state;

/** A driver-core call blocked in vfio_unregister_group_dev until the device's VFIO fds close. */
public enum PendingRelease {
    UNBIND,
    REMOVE
}
