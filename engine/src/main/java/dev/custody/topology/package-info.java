/**
 * The PCI topology and IOMMU group formation (docs/scenario-pci-topology.md): immutable records for the
 * hierarchy, {@link dev.custody.topology.GroupDerivation} for pci_device_group with its DMA alias
 * and ACS quirks, and {@link dev.custody.topology.GroupingPolicy} for the knobs that depart from
 * the kernel. Pure code; reading a captured sysfs tree lives in the {@code sysfs} sub-package.
 */
package dev.custody.topology;
