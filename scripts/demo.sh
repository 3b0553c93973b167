#!/usr/bin/env bash
# Sets up, loads the demo data (from the college's 2023 annual report), creates the demo
# accounts, prints their logins and serves the app at http://127.0.0.1:${PORT:-8000}/
# A task worker runs beside the server (imports of result sheets are background tasks); both stop
# when this script does (Ctrl+C).
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
bash scripts/setup.sh
.venv/bin/python manage.py load_demo --confirmed-by admin  # the published report: its results count as confirmed

pids=()
stop() {
    for pid in "${pids[@]}"; do
        pkill -TERM -P "$pid" 2>/dev/null || true # runserver's reloaded child
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM
if [ -n "${REDIS_URL:-}" ]; then
    .venv/bin/python manage.py rqworker default --job-class django_tasks_rq.Job &
else
    .venv/bin/python manage.py db_worker --no-reload &
fi
pids+=($!)
.venv/bin/python manage.py runserver "127.0.0.1:${PORT:-8000}" &
pids+=($!)
wait -n # the demo ends when either stops
