#!/usr/bin/env bash
# Installs what the build, the demo and the tests need on a fresh Debian machine:
# Debian's Firefox ESR and Chromium (test tools cannot download browsers here) and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# chromium-l10n: the popup's German screenshots and axe run need Chromium's German locale.
if ! command -v firefox-esr >/dev/null || ! command -v chromium >/dev/null || ! dpkg -s chromium-l10n >/dev/null 2>&1; then
  echo "== installing firefox-esr and chromium from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr chromium chromium-driver chromium-l10n >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
