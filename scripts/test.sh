#!/usr/bin/env bash
# Sets up with the test requirements and runs the test suite on DATABASE_URL's database
# (default SQLite; pytest creates and drops its own test database):
#   1. the unit and page tests, in two processes, with the tests of files written by LibreOffice
#      (Debian's libreoffice-calc-nogui, installed here when missing; skipped, saying why, where it
#      cannot be installed);
#   2. the browser tests in headless Chromium (Debian's chromium, installed here when missing),
#      which save screenshots of the main pages to screenshots/.
# Extra arguments go to the first pytest run (bash scripts/test.sh -k import -x).
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
bash scripts/setup.sh --dev

if ! command -v soffice >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "Installing LibreOffice Calc for the tests of spreadsheets written by it ..."
        apt-get update -qq && apt-get install -y -qq libreoffice-calc-nogui python3-uno >/dev/null
    else
        echo "LibreOffice is not installed: the tests marked libreoffice are skipped" \
            "(apt-get install libreoffice-calc-nogui python3-uno)." >&2
    fi
fi

.venv/bin/python -m pytest -p no:playwright -m "not e2e" -n 2 "$@"

if [ "${SKIP_E2E:-}" = 1 ] || [ $# -gt 0 ]; then
    exit 0
fi
if [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "Installing Chromium for the browser tests ..."
        apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
    else
        echo "Browser tests need Debian's chromium (apt-get install chromium chromium-driver fonts-noto-cjk)." >&2
        exit 1
    fi
fi
.venv/bin/python -m pytest -m e2e tests/e2e
