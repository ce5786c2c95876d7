#!/usr/bin/env bash
# Install (cached), lint and type-check, start a real Neo4j and a real Qdrant server (with an API
# key), run the whole test suite, stop both, then the Paperclip plugin end to end
# (scripts/test-paperclip.sh).
# Extra arguments go to pytest, and then the Paperclip end-to-end test is not run.
# The Qdrant server comes from ../shared/bin/qdrant-server beside the checkout
# (ORGMIND_QDRANT_SERVER_BIN overrides it); its data lives in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/ruff" check orgmind tests bench
"$VENV/bin/mypy"
export ORGMIND_QDRANT_SERVER_BIN="${ORGMIND_QDRANT_SERVER_BIN:-$PWD/../shared/bin/qdrant-server}"
qdrant_dir="$(mktemp -d "${TMPDIR:-/tmp}/orgmind-qdrant.XXXXXXXX")"
qdrant_pid=""
stop_servers() {
    [[ -n "$qdrant_pid" ]] && kill "$qdrant_pid" 2>/dev/null && while kill -0 "$qdrant_pid" 2>/dev/null; do sleep 0.2; done
    rm -rf -- "$qdrant_dir"
    bash scripts/neo4j-server.sh stop
}
trap stop_servers EXIT
bash scripts/neo4j-server.sh start
qdrant_http="${ORGMIND_TEST_QDRANT_HTTP_PORT:-6333}"
qdrant_key="test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
qdrant_pid="$("$ORGMIND_QDRANT_SERVER_BIN" "$qdrant_http" "${ORGMIND_TEST_QDRANT_GRPC_PORT:-6334}" \
    "$qdrant_dir/storage" "$qdrant_key")"
export ORGMIND_TEST_QDRANT_URL="http://127.0.0.1:$qdrant_http" ORGMIND_TEST_QDRANT_API_KEY="$qdrant_key"
"$VENV/bin/python" -m pytest "$@"
if [ "$#" -eq 0 ]; then
    ORGMIND_BIN="$VENV/bin/orgmind" bash scripts/test-paperclip.sh
fi
