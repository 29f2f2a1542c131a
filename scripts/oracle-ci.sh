#!/usr/bin/env bash
# The README's optional third command as CI runs it: the kernel-recorded suite and seeded random
# walks against a real kernel in QEMU. Installs what the oracle needs from Debian when missing; the
# first run on a machine builds the iommufd kernel (cached outside the repository), later runs reuse it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
[ -f /usr/src/linux-source-6.12.tar.xz ] || missing+=(linux-source-6.12)
for tool in bc bison flex cpio make xz; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -f /usr/include/libelf.h ] || missing+=(libelf-dev)
[ -f /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
command -v depmod >/dev/null 2>&1 || missing+=(kmod)
missing=("${missing[@]/#xz/xz-utils}")
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
./custody oracle diff engine/src/test/resources/scenarios examples oracle/recorded --kernel iommufd --random "${CUSTODY_ORACLE_WALKS:-4}" --seed "${CUSTODY_ORACLE_SEED:-2026}"
