/**
 * Downcalls into the C library through {@link java.lang.foreign.Linker#nativeLinker()}, for the
 * backend that talks to the kernel's IOMMU interfaces. Needs {@code --enable-native-access}.
 */
package dev.custody.nativeio.libc;
