#!/usr/bin/env bash
# Builds the oracle's iommufd kernel (Debian's linux-source-6.12 with kernel-iommufd.config, which
# lies beside this script) once per machine and prints the path of its bzImage. The cache key is
# the source package version and the config fragment's hash, so a changed fragment or source builds
# a new kernel beside the old. Beside the bzImage it keeps extmod/, what building an external module
# against this kernel needs (as Debian's linux-headers package holds it), for oracle-module.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fragment="$here/kernel-iommufd.config"
tarball=$(ls /usr/src/linux-source-6.12.tar.xz 2>/dev/null || true)
if [[ -z "$tarball" ]]; then
  echo "oracle-kernel: /usr/src/linux-source-6.12.tar.xz is missing; install Debian's linux-source-6.12" >&2
  exit 2
fi
version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || stat -c %Y "$tarball")
key="linux-${version//[^A-Za-z0-9.+-]/_}-$(sha256sum "$fragment" | cut -c1-12)"
kernels="${CUSTODY_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/custody/kernels}"
cache="$kernels/$key"
mkdir -p "$kernels"
# One build at a time per cache: a second caller waits for the first and then finds its bzImage.
exec 9>"$kernels/.build.lock"
flock 9
if [[ -f "$cache/bzImage" && -f "$cache/extmod/Module.symvers" ]]; then
  echo "$cache/bzImage"
  exit 0
fi
mkdir -p "$cache"
work="$cache/build"
rm -rf "$work"
mkdir -p "$work"
echo "oracle-kernel: building $key (a few minutes, once per machine); log: $cache/build.log" >&2
{
  tar -xf "$tarball" -C "$work" --strip-components=1
  cd "$work"
  make -s x86_64_defconfig
  scripts/kconfig/merge_config.sh -m .config "$fragment"
  make -s olddefconfig
  for option in MODULES IOMMUFD VFIO_DEVICE_CDEV VFIO_PCI INTEL_IOMMU VFIO_IOMMU_TYPE1; do
    grep -q "^CONFIG_${option}=y" .config || { echo "CONFIG_${option} did not stick" >&2; exit 1; }
  done
  make -j"$(nproc)" bzImage modules
  rm -rf "$cache/extmod.tmp"
  srctree=. SRCARCH=x86 CC=gcc HOSTCC=gcc MAKE=make sh scripts/package/install-extmod-build "$cache/extmod.tmp"
  cp .config "$cache/extmod.tmp/.config"
} >"$cache/build.log" 2>&1 || { echo "oracle-kernel: build failed; see $cache/build.log" >&2; tail -20 "$cache/build.log" >&2; exit 1; }
rm -rf "$cache/extmod"
mv "$cache/extmod.tmp" "$cache/extmod"
cp "$work/arch/x86/boot/bzImage" "$cache/bzImage.tmp"
cp "$work/.config" "$cache/config"
mv "$cache/bzImage.tmp" "$cache/bzImage"
rm -rf "$work"
echo "$cache/bzImage"
