#!/usr/bin/env bash
# Builds the agent's Debian package: scripts/build-deb.sh VERSION OUT_DIR
# writes OUT_DIR/tillroll-agent_VERSION_all.deb and prints its path.
#
# The package holds the agent bundle (one file, agent/scripts/bundle.mjs) and
# depends on the system's nodejs (>= 20); see README "Installing the agent on
# a till (.deb)". Run `pnpm build` first (the bundle is made from agent/dist),
# or set TILLROLL_AGENT_BUNDLE to an existing bundle file to package that one.
# Needs dpkg-deb (package dpkg) and nothing else: no root, no fakeroot.
set -euo pipefail

usage() { echo "usage: scripts/build-deb.sh VERSION OUT_DIR" >&2; exit 2; }
[ "$#" -eq 2 ] || usage
version=$1
out_dir=$2
# Debian's version syntax (no epoch): starts with a digit; letters, digits, . + ~ -
if ! [[ "$version" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]]; then
  echo "build-deb: VERSION \"$version\" is not a Debian version (e.g. 0.1.0 or 0.2.0~rc1)" >&2
  exit 2
fi
# The agent's own version (its release folder under <root>/tillroll-agent, the
# version self-updates compare with) is the package's in semver: a Debian "~"
# pre-release becomes "-" (0.2.0~rc1 -> 0.2.0-rc1: both sort before 0.2.0).
ident='(0|[1-9][0-9]*|[0-9]*[A-Za-z][0-9A-Za-z]*)'
if ! [[ "$version" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(~$ident(\.$ident)*)?(\+[0-9A-Za-z]+(\.[0-9A-Za-z]+)*)?$ ]]; then
  echo "build-deb: VERSION \"$version\" is not MAJOR.MINOR.PATCH[~PRERELEASE][+BUILD] (the agent's version is semver; no Debian revision)" >&2
  exit 2
fi
agent_version=${version/\~/-}
if ! command -v dpkg-deb >/dev/null 2>&1; then
  echo "build-deb: dpkg-deb not found (Debian package dpkg)" >&2
  exit 1
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
src="$repo/agent/packaging/deb"
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/tillroll-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"

lib="$stage/usr/lib/tillroll-agent"
install -d -m 0755 "$stage/DEBIAN" "$lib" "$stage/usr/bin" "$stage/lib/systemd/system" \
  "$stage/etc/tillroll" "$stage/usr/share/doc/tillroll-agent"
if [ -n "${TILLROLL_AGENT_BUNDLE:-}" ]; then
  install -m 0644 "$TILLROLL_AGENT_BUNDLE" "$lib/tillroll-agent.mjs"
else
  node "$repo/agent/scripts/bundle.mjs" "$lib/tillroll-agent.mjs" >/dev/null
  chmod 0644 "$lib/tillroll-agent.mjs"
fi
install -m 0755 "$src/tillroll-agent" "$stage/usr/bin/tillroll-agent"
# The self-update kit: the launcher, the seeding of <root>/tillroll-agent and
# the descriptor that makes the packaged bundle a release of tillroll-agent.
install -m 0755 "$repo/agent/bin/tillroll-agent-launcher" "$lib/tillroll-agent-launcher"
install -m 0644 "$src/seed-release.mjs" "$lib/seed-release.mjs"
printf '{\n  "name": "tillroll-agent",\n  "version": "%s",\n  "service": { "start": "tillroll-agent.mjs" }\n}\n' \
  "$agent_version" >"$lib/function-pack-descriptor.json"
chmod 0644 "$lib/function-pack-descriptor.json"
install -m 0644 "$src/tillroll-agent.service" "$stage/lib/systemd/system/tillroll-agent.service"
install -m 0644 "$src/agent.json.example" "$stage/etc/tillroll/agent.json.example"
{
  echo "tillroll-agent $version: the workstation daemon of tillroll."
  echo "Configuration: /etc/tillroll/agent.json (start from agent.json.example);"
  echo "check it with: tillroll-agent check-config /etc/tillroll/agent.json"
} >"$stage/usr/share/doc/tillroll-agent/README"
chmod 0644 "$stage/usr/share/doc/tillroll-agent/README"

for script in postinst prerm postrm; do
  install -m 0755 "$src/$script" "$stage/DEBIAN/$script"
done
install -m 0644 "$src/conffiles" "$stage/DEBIAN/conffiles"
installed_kib=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_kib/" "$src/control.in" \
  >"$stage/DEBIAN/control"
chmod 0644 "$stage/DEBIAN/control"

deb="$out_dir/tillroll-agent_${version}_all.deb"
# --root-owner-group: files owned by root in the package without fakeroot.
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
