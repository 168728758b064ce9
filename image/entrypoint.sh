#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# tscanary image entrypoint (busybox sh). The router forwards for its LAN and
# for exit-node clients, so switch IP forwarding on where the container is
# allowed to, then become tailscaled with the image's CMD (or the user's
# arguments). A read-only /proc/sys is common in containers: warn, go on.

for knob in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding; do
	if { echo 1 >"$knob"; } 2>/dev/null; then
		continue
	fi
	if [ "$(cat "$knob" 2>/dev/null)" = 1 ]; then
		echo "entrypoint: '$knob' is read-only but already 1" >&2
	else
		echo "entrypoint: warning: cannot write 1 to '$knob'; forwarding through this node may not work" >&2
	fi
done

exec /usr/local/bin/tailscaled "$@"
