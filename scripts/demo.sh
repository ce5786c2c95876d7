#!/usr/bin/env bash
# Install (cached) and run the demo on the embedded default: builds a multi-venture history in
# ./.orgmind (or $ORGMIND_HOME) and prints what an agent is told when it wakes up.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
"$VENV/bin/orgmind" demo "$@"
