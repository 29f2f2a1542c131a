/**
 * The live host's device events: the kernel's uevents (netlink {@code NETLINK_KOBJECT_UEVENT},
 * multicast group 1) read through FFM, and their parser. Needs {@code --enable-native-access}.
 */
package dev.custody.nativeio.host;
