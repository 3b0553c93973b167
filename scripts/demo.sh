#!/usr/bin/env bash
# Sets up, loads the demo data (from the college's 2023 annual report), creates the demo
# accounts, prints their logins and serves the app at http://127.0.0.1:${PORT:-8000}/
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
bash scripts/setup.sh
.venv/bin/python manage.py load_demo
exec .venv/bin/python manage.py runserver "127.0.0.1:${PORT:-8000}"
