/**
 * An off-heap I/O page table with the Linux kernel's {@code iommu_map}/{@code iommu_unmap}
 * semantics, stored in the x86-64 four-level radix format.
 *
 * <p>{@link dev.custody.nativeio.pagetable.IoPageTable} is the entry point. The table is not
 * thread-safe: exactly one owner (the domain actor) uses it at a time.
 */
package dev.custody.nativeio.pagetable;
