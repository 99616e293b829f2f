#!/usr/bin/env bash
# Install Debian's HAProxy for `make cluster` and the cluster tests (idempotent).
#
# The load balancer must hash on the REST sender id in the JSON body (`balance hash` with the
# `json_query` converter), which needs HAProxy 2.6 or newer: Debian 12 ships 2.6.
# Only the program is used: the project starts its own haproxy with its own configuration
# (serving/cluster.py).
set -euo pipefail

HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
MIN_MAJOR=2
MIN_MINOR=6

version_ok() {
    local v
    v=$("$HAPROXY" -v 2>/dev/null | sed -n 's/.*version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -1)
    [[ -n "$v" ]] || return 1
    set -- $v
    (( $1 > MIN_MAJOR || ($1 == MIN_MAJOR && $2 >= MIN_MINOR) ))
}

if [[ -x "$HAPROXY" ]] && version_ok; then
    echo "install-haproxy: $("$HAPROXY" -v | head -1) already installed"
    exit 0
fi

fail() {
    echo "install-haproxy: ERROR: $*" >&2
    echo "install-haproxy: make cluster and the cluster tests need HAProxy >= $MIN_MAJOR.$MIN_MINOR" \
         "(Debian 12's 'haproxy' package) at $HAPROXY; install it with apt-get as root." >&2
    exit 1
}

[[ -x "$HAPROXY" ]] && fail "$("$HAPROXY" -v | head -1) is too old"
command -v apt-get >/dev/null 2>&1 || fail "apt-get not found (not a Debian-like system)"
SUDO=""
if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || fail "not root and sudo is not available"
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

if ! apt-cache show haproxy >/dev/null 2>&1; then
    echo "install-haproxy: running apt-get update"
    $SUDO apt-get update -q || fail "apt-get update failed"
fi

# Debian's own haproxy service, if it starts, runs the package's default configuration, which
# listens on no port; the project never uses it.
echo "install-haproxy: installing haproxy"
install_it() {
    $SUDO apt-get install -y -q --no-install-recommends haproxy
}
if ! install_it; then
    $SUDO apt-get update -q || fail "apt-get update failed"
    install_it || fail "apt-get install haproxy failed"
fi

[[ -x "$HAPROXY" ]] || fail "$HAPROXY is still missing after the install"
version_ok || fail "$("$HAPROXY" -v | head -1) is too old"
echo "install-haproxy: $("$HAPROXY" -v | head -1) installed"
