#!/usr/bin/env bash
# Rebuild every fixture in this folder: one throwaway venv per convention (under
# ${VENV_ROOT:-/tmp/reviewdesk-instrumented-venvs}, never inside the repo), each installed
# from its requirements-*.txt, then generate.py run with it.
# Usage: bash regenerate.sh [convention ...]   (default: all four)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV_ROOT="${VENV_ROOT:-/tmp/reviewdesk-instrumented-venvs}"
PYTHON="${PYTHON:-python3.11}"
conventions=("$@")
[ ${#conventions[@]} -eq 0 ] && conventions=(openinference genai traceloop-legacy traceloop-new)
for conv in "${conventions[@]}"; do
  venv="$VENV_ROOT/$conv"
  if [ ! -x "$venv/bin/python" ]; then
    "$PYTHON" -m venv "$venv"
    "$venv/bin/pip" install --quiet --only-binary=:all: -r "$HERE/requirements-$conv.txt"
  fi
  "$venv/bin/python" "$HERE/generate.py" --convention "$conv"
done
