/**
 * The live host as the engine sees it: what {@code /sys} shows of each PCI function (driver,
 * driver_override, IOMMU group, presence), how that differs from the model's state, and a watcher
 * that notices changes made behind the engine's back (docs/live-host.md). The values and the
 * comparison are pure; only {@link dev.custody.live.HostSysfs} reads files and only
 * {@link dev.custody.live.HostWatcher} runs a thread.
 */
package dev.custody.live;
