#!/usr/bin/env bash
# Install (cached), lint and type-check, start a real Neo4j, run the whole test suite, stop Neo4j.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/ruff" check orgmind tests bench
"$VENV/bin/mypy"
bash scripts/neo4j-server.sh start
trap 'bash scripts/neo4j-server.sh stop' EXIT
"$VENV/bin/python" -m pytest "$@"
