#!/usr/bin/env bash
# Builds the extension and runs the demo in real Firefox ESR (see scripts/demo.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
exec node --import tsx scripts/demo.ts
