#!/usr/bin/env bash
# Installs the system programs the test suite runs against, when they are missing:
# Mosquitto (the external broker the end-to-end tests also run on), Chromium
# (the web console's browser tests drive it through playwright-core) and PostgreSQL
# (the PostgreSQL store's tests start throw-away clusters with initdb and pg_ctl).
# `pnpm check` runs this first, so the README's test command passes on a fresh
# machine that has only Node and npm; CI runs the same command.
set -euo pipefail

# Debian package -> a program it installs (checked in PATH and /usr/sbin).
declare -A NEEDED=(
  [mosquitto]=mosquitto
  [mosquitto-clients]=mosquitto_pub
  [chromium]=chromium
)

# TEST_DEPS_SBIN: where root-only programs live (a test points it elsewhere).
SBIN="${TEST_DEPS_SBIN:-/usr/sbin}"
# TEST_DEPS_PGLIB: where Debian puts PostgreSQL's versioned folders (a test points it elsewhere).
PGLIB="${TEST_DEPS_PGLIB:-/usr/lib/postgresql}"
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$SBIN/$1" ]; }

# PostgreSQL's initdb and pg_ctl live in a versioned folder on Debian, not in PATH.
have_postgres() {
  local dir
  for dir in "$PGLIB"/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && return 0
  done
  command -v pg_config >/dev/null 2>&1 && dir="$(pg_config --bindir)" &&
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && return 0
  have initdb && have pg_ctl
}

missing=()
for pkg in "${!NEEDED[@]}"; do
  have "${NEEDED[$pkg]}" || missing+=("$pkg")
done
have_postgres || missing+=(postgresql)
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "tests need: ${missing[*]} (Debian packages); installing them with apt-get"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "cannot install ${missing[*]}: not root and no password-less sudo." >&2
    echo "Install them yourself (apt-get install ${missing[*]}) and run the tests again." >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "cannot install ${missing[*]}: no apt-get on this machine; install them with your package manager." >&2
  exit 1
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for pkg in "${missing[@]}"; do
  if [ "$pkg" = postgresql ]; then
    have_postgres || { echo "installing postgresql did not provide initdb and pg_ctl" >&2; exit 1; }
    continue
  fi
  have "${NEEDED[$pkg]}" || { echo "installing $pkg did not provide ${NEEDED[$pkg]}" >&2; exit 1; }
done
echo "installed: ${missing[*]}"
