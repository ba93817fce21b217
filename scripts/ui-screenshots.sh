#!/bin/sh
# Regenerates the screenshots in plugins/ui/README.md: the UI end-to-end test's walk-through
# (real SDK data, Chromium) saves one per page. Run after `npm run build`.
set -e
cd "$(dirname "$0")/.."
mkdir -p plugins/ui/screenshots
UI_SCREENSHOTS="$PWD/plugins/ui/screenshots" npx vitest run test/ui.test.ts -t "logs in"
UI_SCREENSHOTS="$PWD/plugins/ui/screenshots" npx vitest run test/ui-health.test.ts -t "Chromium shows"
