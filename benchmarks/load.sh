#!/usr/bin/env bash
# Load test: gunicorn (several workers sharing the Redis cache) on PostgreSQL, driven by wrk on
# 127.0.0.1 for a bounded time across the page benchmark's pages with a logged-in teacher's
# session. Prints requests/s, p50/p99 latency and errors; with AGAINST=REV, the same for that git
# revision on its own database (built and migrated by its own code), in the same run.
#
#   bash benchmarks/load.sh                          # 100,000 synthetic entries, 4 workers, 30 s, 16 connections
#   ENTRIES=1000000 DURATION=60s AGAINST=28c8b15 bash benchmarks/load.sh
#
# The databases are the page benchmark's (bench_<tree>_<entries>, kept between runs; REBUILD=1
# builds them again). REDIS_URL (default redis://127.0.0.1:6379/12) is flushed before each tree; then
# every page is requested once per worker (WARMUP=N rounds instead, 0 for none) before the clock starts.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
ENTRIES="${ENTRIES:-100000}"
WORKERS="${WORKERS:-4}"
DURATION="${DURATION:-30s}"
CONNECTIONS="${CONNECTIONS:-16}"
PORT="${PORT:-8123}"
REDIS="${REDIS_URL:-redis://127.0.0.1:6379/12}"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"

if ! command -v wrk >/dev/null; then
    echo "Installing wrk ..."; apt-get install -y -qq wrk >/dev/null
fi
[ -x .venv/bin/python ] || bash scripts/setup.sh >/dev/null
PY="${ROOT}/.venv/bin/python"

args=(--sizes "${ENTRIES}" --prepare-only)
[ -n "${AGAINST:-}" ] && args+=(--against "${AGAINST}")
[ -n "${REBUILD:-}" ] && args+=(--rebuild)
mapfile -t TREES < <("${PY}" benchmarks/pages.py "${args[@]}" | grep ' postgres://')

LUA=$(mktemp --suffix=.lua)
GUNICORN=""
cleanup() { [ -n "${GUNICORN}" ] && kill "${GUNICORN}" 2>/dev/null || true; rm -f "${LUA}"; }
trap cleanup EXIT

for line in "${TREES[@]}"; do
    read -r LABEL TREE URL <<<"${line}"
    export DATABASE_URL="${URL}" REDIS_URL="${REDIS}" CACHE_KEY_PREFIX="load-${LABEL}"
    export DJANGO_DEBUG=false DJANGO_SECRET_KEY="load-test-only" DJANGO_ALLOWED_HOSTS="127.0.0.1"
    export DATABASE_CONN_MAX_AGE=60
    # One session asks for every page as fast as it can: the API's per-user limit would answer 429.
    export API_RATE_PER_TOKEN="${API_RATE_PER_TOKEN:-1000000/min}" API_RATE_PER_ADDRESS="${API_RATE_PER_ADDRESS:-1000000/min}"
    "${PY}" - <<'PY'
import os
import redis
redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
PY
    # A logged-in teacher's session cookie and the page paths, from the benchmark's own pages.
    read -r COOKIE PATHS < <(cd "${TREE}" && "${PY}" - "${ROOT}" <<'PY'
import os, sys
import importlib.util
sys.path.insert(0, ".")  # the measured tree's code; the pages are this tree's harness's
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from importlib import import_module
spec = importlib.util.spec_from_file_location("harness", os.path.join(sys.argv[1], "benchmarks", "pages.py"))
harness = importlib.util.module_from_spec(spec)
spec.loader.exec_module(harness)
page_urls = harness.page_urls
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
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
    "${ROOT}/.venv/bin/gunicorn" config.wsgi --chdir "${TREE}" --workers "${WORKERS}" \
        --bind "127.0.0.1:${PORT}" --log-level warning --no-control-socket &
    GUNICORN=$!
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:${PORT}/accounts/login/" && break; sleep 0.2; done
    # Warm-up, as the page benchmark's warm figures: every page once per worker before the clock
    # starts (the shared cache filled, each worker's templates and connection ready). WARMUP=0 skips it
    # and measures from an empty cache.
    for _ in $(seq "${WARMUP:-${WORKERS}}"); do
        for path in ${PATHS//,/ }; do
            curl -s -o /dev/null --max-time 60 -H "Cookie: ${COOKIE}" "http://127.0.0.1:${PORT}${path}" || true
        done
    done

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
    echo "== ${LABEL} (${TREE}): wrk, ${WORKERS} gunicorn workers, ${CONNECTIONS} connections, ${DURATION}, ${ENTRIES} entries on PostgreSQL, Redis cache"
    wrk --threads 2 --connections "${CONNECTIONS}" --duration "${DURATION}" --timeout 10s --script "${LUA}" \
        "http://127.0.0.1:${PORT}" | grep -E '^(requests/s|latency|errors)'
    kill "${GUNICORN}"; wait "${GUNICORN}" 2>/dev/null || true; GUNICORN=""
done
