#!/usr/bin/env bash
# Sets up with the test requirements and runs the test suite (extra arguments go to pytest).
# The database is DATABASE_URL's (default SQLite); pytest creates and drops its own test database.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
bash scripts/setup.sh --dev
exec .venv/bin/python -m pytest "$@"
