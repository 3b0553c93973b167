#!/usr/bin/env bash
# Sets up the project in .venv: finds Python 3.12+, installs the pinned requirements and what the
# Word document's charts need (the cairo library, a Chinese font), compiles the translations,
# migrates the database (DATABASE_URL, default SQLite) and collects the static files into
# staticfiles/ with their manifest (what a production start serves).
#   bash scripts/setup.sh          runtime requirements
#   bash scripts/setup.sh --dev    also the test requirements
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local candidates=()
    [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
    candidates+=(python3.13 python3.12 python3)
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root=$(pyenv root)
        for dir in "$root"/versions/3.13* "$root"/versions/3.12* "$root"/versions/3.1[4-9]*; do
            [ -x "$dir/bin/python" ] && candidates+=("$dir/bin/python")
        done
    fi
    for dir in "$HOME"/.pyenv/versions/3.1[2-9]*; do
        [ -x "$dir/bin/python" ] && candidates+=("$dir/bin/python")
    done
    for candidate in "${candidates[@]}"; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
    if ! python=$(find_python); then
        echo "This project needs Python 3.12 or newer (Django 6.1 requires it)." >&2
        echo "None was found on PATH or under pyenv. Install one (e.g. 'pyenv install 3.12')" >&2
        echo "or point the PYTHON variable at it: PYTHON=/path/to/python3.12 bash $0" >&2
        exit 1
    fi
    echo "Using $python ($("$python" --version))"
    rm -rf .venv
    "$python" -m venv .venv
fi

requirements=requirements.txt
[ "${1:-}" = "--dev" ] && requirements=requirements-dev.txt
stamp=".venv/.installed-$(cat requirements.txt "$requirements" | sha256sum | cut -c1-16)"
if [ ! -e "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
    touch "$stamp"
fi

if ! command -v msgfmt >/dev/null 2>&1; then
    echo "Installing gettext (msgfmt) to compile the translations ..."
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq gettext >/dev/null
    else
        echo "Please install gettext (e.g. 'sudo apt-get install gettext') and run this again." >&2
        exit 1
    fi
fi
# The annual summary's Word document draws its charts with cairosvg, which needs the cairo library,
# and with a font that covers Chinese (without one its Chinese labels print as empty boxes).
chart_packages=()
.venv/bin/python -c "import cairocffi" >/dev/null 2>&1 || chart_packages+=(libcairo2)
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh-cn family 2>/dev/null)" ]; then
    chart_packages+=(fontconfig fonts-noto-cjk)
fi
if [ ${#chart_packages[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "Installing ${chart_packages[*]} for the charts of the Word documents ..."
        apt-get update -qq && apt-get install -y -qq "${chart_packages[@]}" >/dev/null
    else
        echo "The charts of the annual summary's Word document need ${chart_packages[*]}" \
            "(e.g. 'sudo apt-get install ${chart_packages[*]}'): without the cairo library the" \
            "document cannot be made, without a Chinese font its charts show empty boxes." >&2
    fi
fi
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
.venv/bin/python manage.py compilemessages --ignore=.venv --verbosity 0
.venv/bin/python manage.py migrate --noinput --verbosity 0
# Always with the production storage (hashed names and the manifest), whatever DJANGO_DEBUG says:
# with DEBUG off every page needs the manifest, and a development server never reads it. The key
# only satisfies the settings' check; collectstatic signs nothing.
DJANGO_DEBUG=false DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-collectstatic-needs-no-secret}" \
    .venv/bin/python manage.py collectstatic --noinput --verbosity 0
