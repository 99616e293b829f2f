#!/usr/bin/env bash
# Install Debian's Chromium and ChromeDriver for the browser tests (idempotent).
#
# Playwright and Selenium must use these system builds: downloading a browser
# (`playwright install`) does not work on this project's machines.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
DRIVER=/usr/bin/chromedriver

if [[ -x "$CHROMIUM" && -x "$DRIVER" ]]; then
    echo "install-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) already installed"
    exit 0
fi

fail() {
    echo "install-chromium: ERROR: $*" >&2
    echo "install-chromium: the browser tests need Debian's 'chromium' and 'chromium-driver'" \
         "packages ($CHROMIUM, $DRIVER); install them with apt-get as root." >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found (not a Debian-like system)"
SUDO=""
if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || fail "not root and sudo is not available"
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

# Refresh the package lists only when apt does not know the package yet.
if ! apt-cache show chromium >/dev/null 2>&1 || ! apt-cache show chromium-driver >/dev/null 2>&1; then
    echo "install-chromium: running apt-get update"
    $SUDO apt-get update -q || fail "apt-get update failed"
fi

echo "install-chromium: installing chromium and chromium-driver"
if ! $SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver; then
    # Stale package lists give 404s: refresh once and try again.
    $SUDO apt-get update -q || fail "apt-get update failed"
    $SUDO apt-get install -y -q --no-install-recommends chromium chromium-driver \
        || fail "apt-get install chromium chromium-driver failed"
fi

[[ -x "$CHROMIUM" ]] || fail "$CHROMIUM is still missing after the install"
echo "install-chromium: $("$CHROMIUM" --version 2>/dev/null) installed"
