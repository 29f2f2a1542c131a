#!/usr/bin/env bash
# The README's optional third command as CI runs it: the kernel-recorded suite and seeded random
# walks (24 of 150 steps, four on each of the six machine shapes) against a real kernel in QEMU,
# then the tests that boot a VM (tag oracle-vm, left out of ./test). Installs what the oracle needs
# from Debian when missing (as root; otherwise it names the packages and stops); the first run on a
# machine builds the iommufd kernel (cached outside the repository), later runs reuse it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/jdk25.sh
. scripts/test-prerequisites.sh
missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
[ -f /usr/src/linux-source-6.12.tar.xz ] || missing+=(linux-source-6.12)
for tool in bc bison flex cpio make xz; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ -f /usr/include/libelf.h ] || missing+=(libelf-dev)
[ -f /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
command -v depmod >/dev/null 2>&1 || missing+=(kmod)
# The power-loss crash test formats and reads its VM's disk with e2fsprogs.
custody_has_e2fsprogs || missing+=(e2fsprogs)
# The VM tests also boot Debian's own packaged kernel, with its modules.
compgen -G "/boot/vmlinuz-*" >/dev/null || missing+=(linux-image-amd64)
missing=("${missing[@]/#xz/xz-utils}")
custody_install_packages scripts/oracle-ci.sh --no-install-recommends "${missing[@]}" || exit 1
./custody oracle diff engine/src/test/resources/scenarios examples oracle/recorded --kernel iommufd --allow-skips=oracle/not-realisable.txt --mutants ${CUSTODY_ORACLE_COVERAGE:+--coverage "$CUSTODY_ORACLE_COVERAGE"} --random "${CUSTODY_ORACLE_WALKS:-24}" --steps "${CUSTODY_ORACLE_STEPS:-150}" --seed "${CUSTODY_ORACLE_SEED:-2026}"
custody_use_jdk25 || exit 1
custody_require_maven || exit 1
mvn -B -ntp verify -Dcustody.test.groups=oracle-vm -Dcustody.test.excludedGroups= -Dsurefire.failIfNoSpecifiedTests=false
