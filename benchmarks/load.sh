#!/usr/bin/env bash
# Load test: gunicorn (several workers) on PostgreSQL, driven by wrk on 127.0.0.1 for a bounded time,
# across the benchmark pages with a logged-in session. Prints requests/s, p50/p99 latency and errors.
#
#   bash benchmarks/load.sh                  # 100,000 synthetic entries, 4 workers, 30 s, 16 connections
#   ENTRIES=1000000 DURATION=60s bash benchmarks/load.sh
#   REUSE=1 bash benchmarks/load.sh          # keep the database of the previous run
#   DB=bench_1000000 REUSE=1 bash benchmarks/load.sh   # the page benchmark's 1,000,000-entry database
set -euo pipefail
cd "$(dirname "$0")/.."
ENTRIES="${ENTRIES:-100000}"
WORKERS="${WORKERS:-4}"
DURATION="${DURATION:-30s}"
CONNECTIONS="${CONNECTIONS:-16}"
PORT="${PORT:-8123}"
DB="${DB:-results_load_${ENTRIES}}"  # DB=bench_1000000 REUSE=1 reuses the benchmark's database
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/${DB}"
export DJANGO_DEBUG=false DJANGO_SECRET_KEY="load-test-only" DJANGO_ALLOWED_HOSTS="127.0.0.1"
export DATABASE_CONN_MAX_AGE=60

if ! command -v wrk >/dev/null; then
    echo "Installing wrk ..."; apt-get install -y -qq wrk >/dev/null
fi
if [ -z "${REUSE:-}" ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS ${DB}" >/dev/null
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE ${DB}" >/dev/null
fi
bash scripts/setup.sh >/dev/null  # installs and migrates
if [ -z "${REUSE:-}" ]; then
    echo "Generating ${ENTRIES} entries ..."
    .venv/bin/python manage.py generate_synthetic --entries "${ENTRIES}" --seed 1 | tail -1
fi
.venv/bin/python manage.py collectstatic --noinput -v0

# A logged-in teacher's session cookie and the page paths, from the benchmark's own choice of pages.
read -r COOKIE PATHS < <(.venv/bin/python - <<'PY'
import os, sys
sys.path.insert(0, ".")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from benchmarks.pages import page_urls
user, _ = get_user_model().objects.get_or_create(username="load-teacher")
user.groups.add(Group.objects.get(name="teachers"))
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.save()
print(f"{settings.SESSION_COOKIE_NAME}={session.session_key}", ",".join(page_urls().values()))
PY
)

.venv/bin/gunicorn config.wsgi --workers "${WORKERS}" --bind "127.0.0.1:${PORT}" --log-level warning \
    --no-control-socket &
GUNICORN=$!
trap 'kill ${GUNICORN} 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:${PORT}/accounts/login/" && break; sleep 0.2; done

LUA=$(mktemp --suffix=.lua)
cat > "${LUA}" <<LUA
local paths = {}
for path in string.gmatch("${PATHS}", "[^,]+") do paths[#paths + 1] = path end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], {["Cookie"] = "${COOKIE}", ["Host"] = "127.0.0.1"})
end
done = function(summary, latency, requests)
  io.write(string.format("requests/s: %.1f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50: %.1f ms, p99: %.1f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format("errors: %d (non-200 or socket: %d)\n",
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    summary.errors.status))
end
LUA
echo "wrk: ${WORKERS} gunicorn workers, ${CONNECTIONS} connections, ${DURATION}, ${ENTRIES} entries on PostgreSQL"
wrk --threads 2 --connections "${CONNECTIONS}" --duration "${DURATION}" --timeout 10s --script "${LUA}" "http://127.0.0.1:${PORT}"
rm -f "${LUA}"
