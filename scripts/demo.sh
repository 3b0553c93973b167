#!/usr/bin/env bash
# Sets up, loads the demo data (from the college's 2023 annual report), creates the demo
# accounts, prints their logins and serves the app at http://127.0.0.1:${PORT:-8000}/
# A task worker runs beside the server (imports of result sheets are background tasks); both stop
# when this script does.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
bash scripts/setup.sh
.venv/bin/python manage.py load_demo
if [ -n "${REDIS_URL:-}" ]; then
  .venv/bin/python manage.py rqworker default --job-class django_tasks_rq.Job &
else
  .venv/bin/python manage.py db_worker --no-reload &
fi
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT INT TERM
.venv/bin/python manage.py runserver "127.0.0.1:${PORT:-8000}"
