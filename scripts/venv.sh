# Source this file: it makes (once) and reuses a virtualenv keyed by the dependency hash, outside
# the checkout, and points its editable install of orgmind at this checkout. Sets $VENV.
# Override the location with ORGMIND_VENV_ROOT.
_orgmind_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_orgmind_key="$( (cat "$_orgmind_root/pyproject.toml"; python3 --version) | sha256sum | cut -c1-16)"
VENV="${ORGMIND_VENV_ROOT:-$HOME/.cache/orgmind/venvs}/$_orgmind_key"
if [ ! -f "$VENV/.complete" ]; then
    echo "setting up $VENV (first run: installs torch, sentence-transformers, qdrant, neo4j; a few minutes)" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip "setuptools>=68" wheel
    "$VENV/bin/python" -m pip install --quiet -e "$_orgmind_root[test]"
    touch "$VENV/.complete"
fi
"$VENV/bin/python" -m pip install -qq --no-deps --no-build-isolation -e "$_orgmind_root"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
