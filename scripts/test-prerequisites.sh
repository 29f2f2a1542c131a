# Sourced by ./test (and scripts/oracle-ci.sh for the installing part): what the tests need beyond a
# JDK 25, as Debian packages, and how they are provided. As root with apt-get, missing packages are
# installed; otherwise one line names them and says how to install them, and the caller stops, so
# no test is ever skipped because a tool is missing.

. "$(dirname "${BASH_SOURCE[0]}")/test-postgres.sh"

# Prints the Debian packages the tests need and this machine lacks, space-separated.
custody_missing_test_packages() {
  local missing=()
  custody_has_command mvn || missing+=(maven)
  # The uapi layout test and the guest agent compile C (the agent statically, so libc.a too).
  custody_has_command gcc || missing+=(gcc)
  [ -f /usr/include/stdio.h ] && custody_has_static_libc || missing+=(libc6-dev)
  [ -f /usr/include/linux/vfio.h ] || missing+=(linux-libc-dev)
  # The guest's initramfs is checked with cpio, the agent binary with file, its header tarball with xz.
  custody_has_command cpio || missing+=(cpio)
  custody_has_command file || missing+=(file)
  custody_has_command xz || missing+=(xz-utils)
  # The power-loss crash test's disk image is made and read on the host with e2fsprogs.
  custody_has_e2fsprogs || missing+=(e2fsprogs)
  # The HTML reports (simulate, replay) are checked in a real headless browser.
  custody_has_command chromium || missing+=(chromium)
  # The Python client of custody serve is tested against a real server.
  custody_has_command python3 || missing+=(python3)
  # The PostgreSQL journal tests run against a real server (custody_pg_start starts one).
  custody_pg_bindir >/dev/null || missing+=(postgresql)
  echo "${missing[*]}"
}

custody_has_command() { # an executable of that name on PATH
  local path
  path=$(command -v "$1" 2>/dev/null) && [ -x "$path" ]
}

custody_has_e2fsprogs() { # in /usr/sbin, which a user's PATH may lack
  local tool
  for tool in mkfs.ext4 e2fsck debugfs dumpe2fs; do
    custody_has_command "$tool" || [ -x "/usr/sbin/$tool" ] || [ -x "/sbin/$tool" ] || return 1
  done
}

custody_has_static_libc() {
  local dir
  for dir in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
    [ -f "$dir/libc.a" ] && return 0
  done
  return 1
}

# custody_install_packages WHO [--no-install-recommends] PACKAGE...: installs them as root with
# apt-get, else explains in one line (prefixed WHO:) and fails.
custody_install_packages() {
  local who=$1 options=()
  shift
  if [ "${1:-}" = --no-install-recommends ]; then
    options+=("$1")
    shift
  fi
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" != 0 ]; then
    echo "$who: missing $*; install them with: sudo apt-get install $* (or run $who as root, which installs them)" >&2
    return 1
  fi
  if ! custody_has_command apt-get; then
    echo "$who: missing $* (Debian package names); install them with this system's package manager" >&2
    return 1
  fi
  echo "$who: installing $* (Debian packages)"
  local log
  log=$(mktemp)
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${options[@]}" "$@"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "$who: apt-get could not install $*" >&2
    return 1
  fi
  rm -f "$log"
}

# Installs (or explains) whatever the tests lack, then checks that nothing is still missing.
custody_prepare_test_packages() {
  local missing
  missing=$(custody_missing_test_packages)
  # shellcheck disable=SC2086 # a list of package names
  custody_install_packages ./test $missing || return 1
  missing=$(custody_missing_test_packages)
  if [ -n "$missing" ]; then
    echo "./test: still missing after installing: $missing" >&2
    return 1
  fi
}
