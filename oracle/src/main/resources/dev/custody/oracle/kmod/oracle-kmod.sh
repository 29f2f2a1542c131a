#!/usr/bin/env bash
# Builds the oracle's test module (custody-kmod.c and custody-kmod.h, beside this script) against a
# kernel and prints the path of the .ko. The arguments are the kernel's tree for external modules
# (the extmod/ directory kernel/oracle-kernel.sh keeps beside its bzImage, or any kernel's build
# tree) and a cache directory, where the module is kept under the hash of its sources: changing the
# module never rebuilds the kernel.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
extmod="${1:?usage: oracle-kmod.sh KERNEL_BUILD_DIR CACHE_DIR}"
cache="${2:?usage: oracle-kmod.sh KERNEL_BUILD_DIR CACHE_DIR}"
if [[ ! -f "$extmod/Module.symvers" ]]; then
  echo "oracle-kmod: $extmod is not a kernel's module build directory (no Module.symvers)" >&2
  exit 2
fi
key=$(cat "$here/custody-kmod.c" "$here/custody-kmod.h" | sha256sum | cut -c1-16)
module="$cache/$key/custody-kmod.ko"
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if [[ -f "$module" ]]; then
  echo "$module"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/custody-kmod.c" "$here/custody-kmod.h" "$work/"
echo 'obj-m := custody-kmod.o' >"$work/Kbuild"
if ! make -C "$extmod" M="$work" modules >"$work/build.log" 2>&1; then
  echo "oracle-kmod: building the test module failed:" >&2
  tail -30 "$work/build.log" >&2
  exit 1
fi
mkdir -p "$(dirname "$module")"
cp "$work/custody-kmod.ko" "$module.tmp"
mv "$module.tmp" "$module"
echo "$module"
