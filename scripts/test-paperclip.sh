#!/usr/bin/env bash
# End-to-end test of the orgmind plugin (integrations/paperclip) against a real Paperclip from npm
# and a real `orgmind serve` on the sample history. Installs Node 24 and the pinned Paperclip into a
# cache outside the checkout (first run ~3 min, 1.4 GB), starts both on free loopback ports, builds,
# unit-tests and installs the plugin, then runs integrations/paperclip/e2e/run.mjs. Everything it
# starts is stopped on exit, pass or fail. Prints "N passed, N failed"; exits non-zero on a failure.
#
# ORGMIND_BIN: the orgmind command to use (default: the project virtualenv from scripts/venv.sh).
# ORGMIND_E2E_PORT_BASE: first port to try (default 31000); ORGMIND_E2E_KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
source scripts/paperclip-lib.sh

started_at=$(date +%s)
if [ -z "${ORGMIND_BIN:-}" ]; then
    source scripts/venv.sh
    ORGMIND_BIN="$VENV/bin/orgmind"
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
paperclip_install
paperclip_env
installed_at=$(date +%s)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/orgmind-paperclip-e2e.XXXXXX")"
chmod 755 "$WORK"
pids=()
summary_printed=0
cleanup() {
    local status=$?
    if [ "$status" != 0 ] && [ "$summary_printed" = 0 ]; then echo "0 passed, 1 failed (setup failed, see above)"; fi
    for pid in "${pids[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    if [ "$status" != 0 ]; then
        echo "--- Paperclip log (tail) ---" >&2; tail -n 40 "$WORK/paperclip.log" 2>/dev/null >&2 || true
        echo "--- orgmind log (tail) ---" >&2; tail -n 20 "$WORK/orgmind.log" 2>/dev/null >&2 || true
    fi
    if [ "${ORGMIND_E2E_KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT INT TERM

wait_for() {  # wait_for WHAT SECONDS COMMAND...
    local what="$1" limit="$2"; shift 2
    for _ in $(seq 1 "$limit"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
    echo "$what did not come up within ${limit}s" >&2
    return 1
}

base="${ORGMIND_E2E_PORT_BASE:-31000}"
PAPERCLIP_PORT=$(free_port "$base")
POSTGRES_PORT=$(free_port $((PAPERCLIP_PORT + 1)))
ORGMIND_PORT=$(free_port $((POSTGRES_PORT + 1)))

# Paperclip: a fresh local-trusted instance (it starts while orgmind builds its sample history).
paperclip_configure "$WORK/paperclip" "$PAPERCLIP_PORT" "$POSTGRES_PORT"
setsid "$PAPERCLIP_BIN" run --data-dir "$WORK/paperclip" --no-repair >"$WORK/paperclip.log" 2>&1 &
pids+=($!)

# orgmind: the sample history, a key for the plugin, the service.
OM_HOME="$WORK/orgmind"
"$ORGMIND_BIN" --home "$OM_HOME" demo >"$WORK/demo.log" 2>&1
KEY_NAME="paperclip-e2e"
KEY_JSON=$("$ORGMIND_BIN" --home "$OM_HOME" keys create --name "$KEY_NAME" --admin --scopes read,write,approve --json)
ORGMIND_API_KEY=$(node -e 'console.log(JSON.parse(process.argv[1]).key)' "$KEY_JSON")
setsid "$ORGMIND_BIN" --home "$OM_HOME" serve --host 127.0.0.1 --port "$ORGMIND_PORT" >"$WORK/orgmind.log" 2>&1 &
pids+=($!)
seeded_at=$(date +%s)

# The plugin: install, build, unit tests (while the servers start).
PLUGIN="$ROOT/integrations/paperclip"
(cd "$PLUGIN" && npm ci --no-audit --no-fund --loglevel=error && npm test)

wait_for "orgmind" 180 curl -sf "http://127.0.0.1:$ORGMIND_PORT/readyz"
wait_for "Paperclip" 240 bash -c "curl -sf http://127.0.0.1:$PAPERCLIP_PORT/api/health | grep -q '\"status\":\"ok\"'"
servers_at=$(date +%s)
"$PAPERCLIP_BIN" plugin install "$PLUGIN" --local --api-base "http://127.0.0.1:$PAPERCLIP_PORT" >"$WORK/plugin-install.log" 2>&1 \
    || { cat "$WORK/plugin-install.log" >&2; exit 1; }

mkdir -p "$WORK/agent"
chmod 777 "$WORK/agent"
PAPERCLIP_URL="http://127.0.0.1:$PAPERCLIP_PORT" ORGMIND_URL="http://127.0.0.1:$ORGMIND_PORT" \
    ORGMIND_API_KEY="$ORGMIND_API_KEY" ORGMIND_KEY_NAME="$KEY_NAME" E2E_OUT="$WORK/agent" \
    node "$PLUGIN/e2e/run.mjs" && e2e_status=0 || e2e_status=$?
summary_printed=1
finished_at=$(date +%s)
echo "timing: install $((installed_at - started_at)) s, orgmind sample history $((seeded_at - installed_at)) s," \
     "servers ready and plugin tested $((servers_at - installed_at)) s, end-to-end $((finished_at - servers_at)) s, total $((finished_at - started_at)) s" >&2
exit "$e2e_status"
