/**
 * The backend choice for map and unmap: {@code soft} (the off-heap page table) or {@code iommufd}
 * (the host kernel, preferred when {@code /dev/iommu} exists).
 */
package dev.custody.nativeio.backend;
