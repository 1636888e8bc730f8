#!/usr/bin/env bash
# Runs the Playwright suite. As root, the whole suite runs inside a private network namespace
# (unshare -n) with a veth pair whose two ends stay inside it and carry the default route:
# Chromium only gathers WebRTC candidates on the interface with the default route, and nothing
# the tests send can leave the machine. The gateway and browsers all start inside it.
# Elsewhere (a laptop, a non-root runner) the suite still runs; specs tagged @netns skip and the
# skip reporter lists them with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."

can_netns() {
  [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null &&
    unshare -n true 2>/dev/null
}

if [ "${IG_NO_NETNS:-}" != 1 ] && can_netns; then
  echo "e2e: running inside a private network namespace (veth 10.254.0.1 <-> 10.254.0.2)"
  exec unshare -n bash -c '
    set -euo pipefail
    ip link set lo up
    ip link add v0 type veth peer name v1
    ip addr add 10.254.0.1/24 dev v0
    ip addr add 10.254.0.2/24 dev v1
    ip link set v0 up
    ip link set v1 up
    ip route add default via 10.254.0.2 dev v0
    export IG_NETNS=1
    exec npx playwright test "$@"
  ' run-e2e "$@"
fi

echo "e2e: no private network namespace (needs root, unshare and ip): @netns specs will be skipped"
exec npx playwright test "$@"
