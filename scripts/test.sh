#!/usr/bin/env bash
# Sets up with the test requirements and runs the test suite on DATABASE_URL's database
# (default SQLite; pytest creates and drops its own test database):
#   1. the unit and page tests, in two processes, with the tests of files written by LibreOffice
#      (Debian's libreoffice-calc-nogui, and libreoffice-writer-nogui to print the Word document,
#      installed here when missing; skipped, saying why, where they cannot be installed);
#   2. the browser tests in headless Chromium (Debian's chromium, installed here when missing),
#      which save screenshots of the main pages to screenshots/ and check every page with axe-core
#      (npm, pinned below, installed into var/axe when missing).
# Extra arguments go to the first pytest run (bash scripts/test.sh -k import -x).
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
bash scripts/setup.sh --dev

if ! command -v soffice >/dev/null 2>&1 || ! /usr/bin/python3 -c "import uno" >/dev/null 2>&1 \
    || [ ! -e "$(dirname "$(readlink -f "$(command -v soffice)")")/libswlo.so" ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "Installing LibreOffice Calc and Writer for the tests of files written or printed by it ..."
        apt-get update -qq && apt-get install -y -qq libreoffice-calc-nogui libreoffice-writer-nogui python3-uno >/dev/null
    else
        echo "LibreOffice is not installed: the tests marked libreoffice are skipped" \
            "(apt-get install libreoffice-calc-nogui libreoffice-writer-nogui python3-uno)." >&2
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
# axe-core for the accessibility checks of the browser tests (tests/e2e/axe.py), at a pinned version.
AXE_VERSION=4.10.3
if [ ! -f var/axe/node_modules/axe-core/axe.min.js ] \
    || ! grep -q "\"version\": \"$AXE_VERSION\"" var/axe/node_modules/axe-core/package.json; then
    if ! command -v npm >/dev/null 2>&1; then
        if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
            echo "Installing npm for axe-core ..."
            apt-get update -qq && apt-get install -y -qq npm >/dev/null
        else
            echo "Browser tests need npm to install axe-core (apt-get install npm)." >&2
            exit 1
        fi
    fi
    echo "Installing axe-core $AXE_VERSION into var/axe ..."
    npm install --no-save --no-package-lock --no-audit --no-fund --prefix var/axe "axe-core@$AXE_VERSION" >/dev/null
fi
.venv/bin/python -m pytest -m e2e tests/e2e
