/**
 * A real host's PCI functions seen as Custody sees them: its groups (the kernel's or derived), a
 * tree to show them, the host as a scenario file, and plans for giving groups to guests without
 * splitting a group between a guest and the host or another guest.
 */
package dev.custody.topology.host;
