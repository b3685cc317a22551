#!/usr/bin/env bash
# Make sure Debian's Chromium (and chromedriver) are installed for the browser tests.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver (Debian packages)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
  echo "Chromium is missing: install it (e.g. 'sudo apt-get install chromium chromium-driver')." >&2
  echo "Browser tests will fail without it." >&2
fi
