#!/usr/bin/env bash
# Installs what the conformance matrix needs on a fresh Debian 12 machine:
# qemu-system-x86 10.x and runsc, both from bookworm-backports (bookworm's own
# qemu 7.2 crashes 6.12 guests under TCG in about one boot of four).
# Idempotent: does nothing when both are present and qemu is new enough.
set -euo pipefail

need_qemu() {
	command -v qemu-system-x86_64 >/dev/null || return 0
	local major
	major=$(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p')
	[ "${major:-0}" -lt 10 ]
}
need_runsc() { [ "${GVISOR:-1}" != 0 ] && ! command -v runsc >/dev/null; }

if ! need_qemu && ! need_runsc; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-tools: need root to install qemu-system-x86 and runsc from bookworm-backports" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
list=/etc/apt/sources.list.d/ipcsuite-bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat >"$list" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -qq
pkgs=(qemu-system-x86)
if need_runsc; then
	pkgs+=(runsc)
fi
# -t: qemu 10 needs the matching qemu-system-common, seabios etc. from there too.
apt-get install -y -qq --no-install-recommends -t bookworm-backports "${pkgs[@]}" >/dev/null
qemu-system-x86_64 --version | head -1
command -v runsc >/dev/null && runsc --version | head -1 || true
