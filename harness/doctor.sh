#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# harness/doctor.sh: every prerequisite of make test and make check, its
# state on this machine, and the fix. Reads only; changes nothing. One line
# each: "ok", "MISSING" (make test or make check cannot work) or "note"
# (works, but worth knowing). Exit 0 when nothing is missing, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
# the cache root is the Makefile's (CACHE, exported as TSCANARY_CACHE)
cache=${TSCANARY_CACHE:?run it as make doctor, which sets TSCANARY_CACHE}
missing=0
row() { # STATE WHAT DETAIL [FIX]
	printf '%-7s %-26s %s%s\n' "$1" "$2" "$3" "${4:+  -> $4}"
	[ "$1" != MISSING ] || missing=$((missing + 1))
}
deps='make deps (as root: .ci/install-deps)'
# The arch facts: vm/arches through its sh view
# shellcheck source=vm/arch.sh
. vm/arch.sh
# the arch this host runs natively (its VMs may use KVM), if any
host_arch=$(arch_find NATIVE "$(uname -m)") || host_arch=
# the Debian architecture of this machine
native_deb=$(dpkg --print-architecture 2>/dev/null)

# The machine
# shellcheck source=/dev/null
. /etc/os-release 2>/dev/null || true
if [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ]; then
	row ok system "Debian 12 ($(uname -m))"
else
	row note system "${PRETTY_NAME:-unknown} ($(uname -m)): tscanary is made for Debian 12" "Debian 12, or expect package names to differ"
fi
# A user runs the lab in a user namespace of its own (harness/userns.c)
asuser=()
if [ "$(id -u)" = 0 ]; then
	row ok root "running as root"
elif unshare -Urnm true 2>/dev/null; then
	row ok root "not root ($(id -un)): the lab runs in a user namespace (usable here; QEMU under TCG)"
	asuser=(unshare -Ur)
else
	row MISSING root "not root ($(id -un)), and no user namespace can be made (unshare -Urnm fails)" \
		"run as root, or allow unprivileged user namespaces (user.max_user_namespaces > 0; in a container a seccomp profile that allows unshare, or --privileged)"
fi
if [ -c /dev/net/tun ] && [ -r /dev/net/tun ] && [ -w /dev/net/tun ]; then
	row ok /dev/net/tun "read-write for $(id -un)"
elif [ -c /dev/net/tun ] && [ "$(id -u)" != 0 ]; then
	row MISSING /dev/net/tun "not read-write for $(id -un)" "as root: setfacl -m u:$(id -un):rw /dev/net/tun"
else
	row MISSING /dev/net/tun "absent or not read-write" "modprobe tun; a container needs --device /dev/net/tun"
fi
if [ "$(id -u)" = 0 ] || [ ${#asuser[@]} -gt 0 ]; then
	if "${asuser[@]}" unshare -n true 2>/dev/null; then
		row ok "network namespaces" "unshare -n works"
	else
		row MISSING "network namespaces" "unshare -n fails" "a privileged container, or CAP_SYS_ADMIN and CAP_NET_ADMIN"
	fi
	if command -v nft >/dev/null && "${asuser[@]}" unshare -n nft list ruleset >/dev/null 2>&1; then
		row ok nftables "usable in a namespace"
	else
		row MISSING nftables "nft missing or refused in a namespace" "$deps; the kernel needs nf_tables"
	fi
fi
accel=
[ -z "$host_arch" ] || accel=$(cat "$cache/accel/$host_arch"-* 2>/dev/null | head -n 1)
if [ ! -e /dev/kvm ]; then
	row note /dev/kvm "absent: every arch runs under TCG${host_arch:+ ($host_arch too)}"
elif [ -z "$host_arch" ]; then
	row note /dev/kvm "present, but no arch of vm/arches runs natively on $(uname -m): every arch runs under TCG"
elif [ -n "$accel" ]; then
	row note /dev/kvm "present; the last boot probe chose '$accel' for $host_arch"
else
	row note /dev/kvm "present, not probed yet: the first $host_arch boot tries it and falls back to TCG"
fi
cores=$(nproc)
row "$([ "$cores" -ge 2 ] && echo ok || echo note)" cpus "$cores cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"

# Packages and tools
foreign=$(dpkg --print-foreign-architectures 2>/dev/null | tr '\n' ' ')
for a in $ARCHES; do
	arch_set "$a"
	[ "$ARCH_DEBARCH" != "$native_deb" ] || continue
	case " $foreign " in
	*" $ARCH_DEBARCH "*) row ok "dpkg arch $ARCH_DEBARCH" "added" ;;
	*) row MISSING "dpkg arch $ARCH_DEBARCH" "not added: kernels, busybox and libraries come from it" "$deps" ;;
	esac
done
if grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d; then
	row ok bookworm-backports "in the APT sources (upx-ucl)"
else
	row MISSING bookworm-backports "not in the APT sources (upx-ucl comes from it)" "$deps"
fi
tool() { # COMMAND WHAT
	if command -v "$1" >/dev/null; then row ok "$1" "$2"; else row MISSING "$1" "$2: not installed" "$deps"; fi
}
tool cc "C compiler"
# the cross compiler of every arch but this machine's own, then every VM
for a in $ARCHES; do
	arch_set "$a"
	[ "$ARCH_DEBARCH" = "$native_deb" ] || tool "$ARCH_TRIPLE-gcc" "$a guest programs"
done
for a in $ARCHES; do
	arch_set "$a"
	tool "$ARCH_QEMU" "$a VM"
done
tool skopeo "OCI images"
tool umoci "OCI images"
tool upx "packing tailscale.combined and busybox"
tool dpkg-source "unpacking busybox's Debian source package"
tool mkimage "the armv7 kernel, unpacked once into a uImage (vm/kernel.sh)"
for a in $ARCHES; do
	arch_set "$a"
	if dpkg-query -W -f '${Status}' "musl-dev:$ARCH_DEBARCH" 2>/dev/null | grep -q 'ok installed'; then
		row ok "musl-dev:$ARCH_DEBARCH" "the image's busybox links against it"
	else
		row MISSING "musl-dev:$ARCH_DEBARCH" "not installed: image/busybox.sh links busybox against musl" "$deps"
	fi
done
tool jq "JSON in scripts"
tool ip "lab links and namespaces"
tool openssl "lab and registry TLS"
tool curl "registry checks"
tool docker-registry "make release-check"
tool buildah "make dockerfile-build"
tool mmdebstrap "make dockerfile-build (the builder base)"
tool gnuplot "make history (the plot)"
tool shellcheck "make ci-config-check"
tool xmllint "make report-check"
tool python3 "CI config validators"
tool npm "Renovate's validator"
for lib in ldns libcurl jansson cmocka; do
	if pkg-config --exists "$lib" 2>/dev/null; then
		row ok "lib $lib" "$(pkg-config --modversion "$lib")"
	else
		row MISSING "lib $lib" "no pkg-config entry" "$deps"
	fi
done
if command -v go >/dev/null; then
	# the toolchain line, as Go reads it (image/build.sh reads it the same way)
	pin=$(go mod edit -json image/go.mod 2>/dev/null | jq -r '.Toolchain // ""' 2>/dev/null)
	row ok go "$(go env GOVERSION 2>/dev/null); builds with $pin (image/go.mod), fetched through GOPROXY when it differs"
	proxy=$(go env GOPROXY 2>/dev/null | cut -d, -f1)
	case $proxy in
	http*)
		if curl -sf -m 3 -o /dev/null "$proxy/tailscale.com/@v/list"; then
			row ok "Go module proxy" "$proxy answers"
		else
			row MISSING "Go module proxy" "$proxy did not answer in 3 s" "GOPROXY= a proxy this machine reaches"
		fi
		;;
	*) row note "Go module proxy" "GOPROXY=$proxy: not checked" ;;
	esac
else
	row MISSING go "not installed: image and lab builds need it" "$deps"
fi

# The cache
mkdir -p "$cache" 2>/dev/null
if [ -w "$cache" ]; then
	free=$(df -Pk "$cache" | awk 'NR == 2 { print int($4 / 1048576) }')
	used=$(du -sk "$cache" 2>/dev/null | awk '{ printf "%.1f", $1 / 1048576 }')
	if [ "$free" -ge 5 ]; then
		row ok cache "$cache: $used GiB used, $free GiB free"
	else
		row MISSING cache "$cache: only $free GiB free (a cold build needs about 5)" "free space, or CACHE=elsewhere"
	fi
else
	row MISSING cache "$cache is not writable" "CACHE=a writable directory"
fi

if [ "$missing" = 0 ]; then
	echo "doctor: nothing missing: make test ARCH=armv7 and make check can run"
	exit 0
fi
echo "doctor: $missing missing; fix them, then run make doctor again"
exit 1
